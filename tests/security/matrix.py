"""The authorisation matrix: who may call every gateway operation, as data.

Each row names an operation of ``gateway.http.ROUTES`` and the least role that
may call it. The security tests are generated from these rows and
``docs/security.md`` is rendered from them (``python -m tests.security.matrix``),
so the document, the tests and the routes cannot drift apart: a route missing
here fails ``test_every_route_is_in_the_matrix``.

Access levels (each includes the ones below it in privilege):

- ``public``    anyone, also anonymous (public calendars, directories, catalogues,
                sign-in, registration for public events, unsubscribe, cancel links)
- ``signed_in`` any signed-in person, on their own data (``/v1/me``, own inbox)
- ``member``    a member (or admin) of the association that owns the resource
- ``self``      the person themself, or an admin of their association
- ``admin``     an admin of the association that owns the resource
- ``platform``  platform admins only

``resource`` names the tenant-owned object the first path parameter points at
(``None``: nothing tenant-owned, e.g. a global taxonomy); ``params`` gives the
other path parameters; ``body`` is a valid request body built from the world
(so a refusal is about authorisation, never about validation).
"""
from dataclasses import dataclass, field
from typing import Callable

PUBLIC, SIGNED_IN, MEMBER, SELF, ADMIN, PLATFORM = (
    "public",
    "signed_in",
    "member",
    "self",
    "admin",
    "platform",
)
LEVELS = (PUBLIC, SIGNED_IN, MEMBER, SELF, ADMIN, PLATFORM)
ROLE_NAMES = {
    PUBLIC: "anyone (also anonymous)",
    SIGNED_IN: "any signed-in person (own data)",
    MEMBER: "member of the owning association",
    SELF: "the person, or their association's admin",
    ADMIN: "admin of the owning association",
    PLATFORM: "platform admin",
}


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    access: str
    resource: str | None = None
    params: dict = field(default_factory=dict)  # other path params -> world key
    body: Callable | None = None  # world -> JSON body
    note: str = ""

    @property
    def key(self):
        return f"{self.method} {self.path}"


def _b(value):
    return lambda w: value


RENAME = _b({"name": "Hijacked by another association"})

MATRIX = [
    # --- auth ------------------------------------------------------------------------------
    Op("POST", "/v1/auth/token", PUBLIC, note="rate limited per account and per client"),
    Op("GET", "/v1/me", SIGNED_IN),
    Op("GET", "/v1/me/calendar-token", SIGNED_IN, note="whether one exists, never the token"),
    Op("POST", "/v1/me/calendar-token", SIGNED_IN, note="the caller's own feed token, shown once"),
    Op("DELETE", "/v1/me/calendar-token", SIGNED_IN, note="revokes the caller's own feed token"),
    # --- associations ------------------------------------------------------------------------
    Op("GET", "/v1/associations", PUBLIC, note="the tenant directory is public"),
    Op(
        "POST",
        "/v1/associations",
        PLATFORM,
        body=lambda w: {
            "name": "Rogue",
            "slug": w["unique"]("rogue"),
            "country": "NL",
            "default_language": "nl",
            "time_zone": "Europe/Amsterdam",
        },
    ),
    Op("GET", "/v1/associations/{id}", PUBLIC, "association"),
    Op("PATCH", "/v1/associations/{id}", ADMIN, "association", body=RENAME),
    Op(
        "POST",
        "/v1/associations/{id}/members/import",
        ADMIN,
        "association",
        body=_b({"csv": "organisation_name,country,contact_name,contact_email,membership_status\n"}),
        note="its own association's admins only; ?dry_run=true writes nothing",
    ),
    Op("GET", "/v1/associations/{id}/audit", ADMIN, "association", note="who changed what, when"),
    # --- organisations -----------------------------------------------------------------------
    Op("GET", "/v1/organisations", PUBLIC, note="lists only what the caller may see"),
    Op(
        "POST",
        "/v1/organisations",
        ADMIN,
        body=lambda w: {"name": "Rogue company", "country": "NL", "owner_association_id": w["association"]},
    ),
    Op(
        "GET",
        "/v1/organisations/{id}",
        PUBLIC,
        "organisation",
        note="an organisation with visibility 'association' is 404 to everyone outside it",
    ),
    Op(
        "PATCH",
        "/v1/organisations/{id}",
        MEMBER,
        "organisation",
        body=RENAME,
        note="its owner association's admins and the organisation's own people; the owner cannot be changed",
    ),
    Op("GET", "/v1/offers-and-needs", PUBLIC, note="lists only what the caller may see"),
    Op("GET", "/v1/organisations/{id}/offers-and-needs", PUBLIC, "organisation"),
    Op(
        "POST",
        "/v1/organisations/{id}/offers-and-needs",
        MEMBER,
        "organisation",
        body=_b({"kind": "need", "title": "Hijack"}),
        note="the organisation's own people and its admins",
    ),
    Op(
        "PATCH",
        "/v1/organisations/{id}/offers-and-needs/{item_id}",
        MEMBER,
        "organisation",
        {"item_id": "offer"},
        _b({"title": "Hijack"}),
    ),
    Op(
        "DELETE",
        "/v1/organisations/{id}/offers-and-needs/{item_id}",
        MEMBER,
        "organisation",
        {"item_id": "offer"},
    ),
    Op("GET", "/v1/organisations/{id}/matches", MEMBER, "organisation"),
    Op(
        "POST",
        "/v1/organisations/{id}/matches/{candidate_id}/decision",
        MEMBER,
        "organisation",
        {"candidate_id": "other_organisation"},
        _b({"decision": "accepted"}),
    ),
    Op(
        "POST",
        "/v1/organisations/{id}/matches/{candidate_id}/introduction",
        MEMBER,
        "organisation",
        {"candidate_id": "other_organisation"},
        _b({"message": "Hello"}),
    ),
    # --- memberships -------------------------------------------------------------------------
    Op("GET", "/v1/memberships", MEMBER, note="lists only the caller's associations' memberships"),
    Op(
        "POST",
        "/v1/memberships",
        ADMIN,
        body=lambda w: {
            "organisation_id": w["organisation"],
            "association_id": w["association"],
            "type": "full",
        },
        note="admin of the association named in the body",
    ),
    Op("GET", "/v1/memberships/{id}", MEMBER, "membership"),
    Op("PATCH", "/v1/memberships/{id}", ADMIN, "membership", body=_b({"type": "associate"})),
    Op("POST", "/v1/memberships/{id}/transitions", ADMIN, "membership", body=_b({"to": "cancelled"})),
    Op("POST", "/v1/memberships/{id}/renewals", ADMIN, "membership", body=_b({"end_date": "2040-12-31"})),
    # --- persons -----------------------------------------------------------------------------
    Op("GET", "/v1/persons", SIGNED_IN, note="an admin's people; anybody else sees only themself"),
    Op(
        "POST",
        "/v1/persons",
        ADMIN,
        body=lambda w: {
            "name": "Rogue",
            "email": f"{w['unique']('rogue')}@nabo.test",
            "home_association_id": w["association"],
        },
    ),
    Op("GET", "/v1/persons/{id}", SELF, "person"),
    Op("PATCH", "/v1/persons/{id}", SELF, "person", body=RENAME),
    Op("DELETE", "/v1/persons/{id}", SELF, "person", note="GDPR erasure"),
    Op(
        "POST",
        "/v1/persons/{id}/roles",
        ADMIN,
        "person",
        body=lambda w: {"scope": "association", "scope_id": w["association"], "role": "admin"},
    ),
    Op("GET", "/v1/persons/{id}/consents", SELF, "person"),
    Op(
        "POST",
        "/v1/persons/{id}/consents",
        SELF,
        "person",
        body=lambda w: {
            "association_id": w["association"],
            "kind": "newsletter",
            "granted": True,
            "source": "forged",
            "wording_version": "v1",
        },
    ),
    Op("GET", "/v1/persons/{id}/export", SELF, "person", note="GDPR access, from every service"),
    Op("GET", "/v1/persons/{id}/preferences", SELF, "person"),
    Op("PATCH", "/v1/persons/{id}/preferences", SELF, "person", body=_b({"digest": "weekly"})),
    # --- themes (a shared, global taxonomy) --------------------------------------------------
    Op("GET", "/v1/themes", PUBLIC),
    Op("GET", "/v1/themes/{id}", PUBLIC, None, {"id": "theme"}),
    Op(
        "POST",
        "/v1/themes",
        ADMIN,
        body=lambda w: {"key": w["unique"]("forged"), "labels": {"en": "Forged"}},
        note="an association admin's theme is a proposal until a platform admin accepts it",
    ),
    Op(
        "POST",
        "/v1/themes/{id}/transitions",
        PLATFORM,
        None,
        {"id": "theme"},
        _b({"to": "retired"}),
        note="accepting proposals and retiring themes curates the shared taxonomy",
    ),
    Op(
        "POST",
        "/v1/themes/{id}/merge",
        PLATFORM,
        None,
        {"id": "theme"},
        lambda w: {"into_theme_id": w["theme"]},
        note="re-tags everything in every service",
    ),
    Op(
        "PATCH",
        "/v1/themes/{id}",
        ADMIN,
        None,
        {"id": "theme"},
        _b({"labels": {"en": "Hijacked"}}),
        note="shared taxonomy: association admins add translations; rewording a label or moving a theme "
        "is for platform admins",
    ),
    # --- networks ----------------------------------------------------------------------------
    Op("GET", "/v1/networks", PUBLIC, note="lists only what the caller may see"),
    Op(
        "POST",
        "/v1/networks",
        MEMBER,
        note="a member of every owning association it names (others must agree)",
    ),
    Op(
        "GET",
        "/v1/networks/{id}",
        PUBLIC,
        "network",
        note="visibility 'association' is 404 outside the owners",
    ),
    Op(
        "PATCH",
        "/v1/networks/{id}",
        ADMIN,
        "network",
        body=_b({"description": {"en": "Hijacked"}}),
        note="its owners' admins and the network's own organisers",
    ),
    Op(
        "POST",
        "/v1/networks/{id}/wake",
        ADMIN,
        "network",
        note="the network's conveners and its owners' admins; members wake it by answering",
    ),
    Op(
        "POST",
        "/v1/networks/{id}/owners",
        ADMIN,
        "network",
        body=lambda w: {"association_id": w["other_association"]},
    ),
    Op(
        "POST",
        "/v1/networks/{id}/owners/{association_id}/decision",
        ADMIN,
        "network",
        {"association_id": "association"},
        _b({"decision": "approved"}),
        note="the admin of the association asked to co-own",
    ),
    Op("GET", "/v1/networks/{id}/members", MEMBER, "network"),
    Op(
        "POST",
        "/v1/networks/{id}/members",
        MEMBER,
        "network",
        body=_b({}),
        note="eligible people; a closed network needs an invitation",
    ),
    Op(
        "PATCH",
        "/v1/networks/{id}/members/{person_id}",
        ADMIN,
        "network",
        {"person_id": "person"},
        _b({"role": "convener"}),
    ),
    Op("DELETE", "/v1/networks/{id}/members/{person_id}", SELF, "network", {"person_id": "person"}),
    Op("GET", "/v1/networks/{id}/join-requests", ADMIN, "network"),
    Op(
        "POST",
        "/v1/networks/{id}/join-requests/{person_id}/decision",
        ADMIN,
        "network",
        {"person_id": "person"},
        _b({"decision": "approved"}),
    ),
    Op("POST", "/v1/networks/{id}/invitations", MEMBER, "network", body=lambda w: {"person_id": w["person"]}),
    # --- conversations in networks ----------------------------------------------------------
    Op(
        "GET",
        "/v1/networks/{id}/threads",
        PUBLIC,
        "network",
        note="a public network's to anyone; any other's to its members and conveners",
    ),
    Op(
        "POST",
        "/v1/networks/{id}/threads",
        MEMBER,
        "network",
        body=_b({"kind": "question", "title": "Forged", "body": "Forged"}),
        note="the network's members and conveners; rate limited per person",
    ),
    Op("GET", "/v1/threads/{id}", PUBLIC, "thread", note="who may read the network's conversation"),
    Op(
        "PATCH",
        "/v1/threads/{id}",
        ADMIN,
        "thread",
        body=_b({"locked": True}),
        note="conveners lock; its author retitles",
    ),
    Op("GET", "/v1/threads/{id}/posts", PUBLIC, "thread", note="hidden ones: their author and the conveners"),
    Op(
        "POST",
        "/v1/threads/{id}/posts",
        MEMBER,
        "thread",
        body=_b({"body": "Forged"}),
        note="the network's members and conveners; rate limited per person",
    ),
    Op("GET", "/v1/posts/{id}", PUBLIC, "post",
       note="who may read the network's conversation; an opportunity's opening post those it is offered to"),
    Op(
        "PATCH",
        "/v1/posts/{id}",
        ADMIN,
        "post",
        body=_b({"hidden": True}),
        note="conveners hide or restore; its author edits",
    ),
    Op("DELETE", "/v1/posts/{id}", SELF, "post", note="its author"),
    Op(
        "POST",
        "/v1/posts/{id}/reports",
        MEMBER,
        "post",
        body=_b({"reason": "Forged"}),
        note="the network's members, once per post",
    ),
    Op("GET", "/v1/posts/{id}/reports", ADMIN, "post", note="the network's conveners"),
    Op(
        "POST",
        "/v1/posts/{id}/private-answers",
        MEMBER,
        "post",
        body=lambda w: {"organisation_id": w["organisation"], "message": "Forged"},
        note="for one's own organisation: readers of the thread, and those an opportunity was offered to",
    ),
    # --- programmes and events ---------------------------------------------------------------
    Op("GET", "/v1/programmes", SIGNED_IN, note="only the programmes of associations the caller administers"),
    Op(
        "POST",
        "/v1/programmes",
        ADMIN,
        body=lambda w: {
            "association_ids": [w["association"]],
            "title": "Forged",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "budget_amount_minor": 100,
            "currency": "EUR",
        },
    ),
    Op("GET", "/v1/programmes/{id}", ADMIN, "programme"),
    Op("PATCH", "/v1/programmes/{id}", ADMIN, "programme", body=_b({"title": "Hijacked"})),
    Op("GET", "/v1/programmes/{id}/costs", ADMIN, "programme"),
    Op(
        "POST",
        "/v1/programmes/{id}/costs",
        ADMIN,
        "programme",
        body=_b({"date": "2025-01-01", "description": "forged", "amount_minor": 100}),
    ),
    Op("GET", "/v1/programmes/{id}/report", ADMIN, "programme"),
    Op(
        "POST",
        "/v1/programmes/{id}/co-hosts/{association_id}/decision",
        ADMIN,
        "programme",
        {"association_id": "association"},
        _b({"decision": "approved"}),
        note="the admin of the association invited to co-organise",
    ),
    Op(
        "GET",
        "/v1/co-host-invitations",
        SIGNED_IN,
        note="only invitations to or from associations the caller administers",
    ),
    Op("GET", "/v1/events", PUBLIC, note="lists only what the caller may see"),
    Op(
        "POST",
        "/v1/events",
        ADMIN,
        body=lambda w: {
            "association_ids": [w["association"]],
            "title": "Forged",
            "format": "online",
            "languages": ["en"],
            "time_zone": "Europe/Amsterdam",
            "starts_at": "2040-01-01T10:00:00+00:00",
            "ends_at": "2040-01-01T11:00:00+00:00",
        },
    ),
    Op("GET", "/v1/events/{id}", PUBLIC, "event", note="members-only events are 404 outside the association"),
    Op("PATCH", "/v1/events/{id}", ADMIN, "event", body=_b({"title": "Hijacked"})),
    Op(
        "POST",
        "/v1/events/{id}/transitions",
        ADMIN,
        "event",
        body=_b({"to": "cancelled", "reason": "forged"}),
    ),
    Op(
        "POST",
        "/v1/events/{id}/co-hosts/{association_id}/decision",
        ADMIN,
        "event",
        {"association_id": "association"},
        _b({"decision": "approved"}),
        note="the admin of the association invited to co-host",
    ),
    Op(
        "POST",
        "/v1/events/{id}/recording",
        ADMIN,
        "event",
        body=_b({"recording_url": "https://evil.example/r"}),
    ),
    Op("GET", "/v1/events/{id}/registrations", ADMIN, "event"),
    Op(
        "POST",
        "/v1/events/{id}/registrations",
        PUBLIC,
        "event",
        body=lambda w: {"name": "Rogue", "email": f"{w['unique']('rogue')}@example.test"},
        note="public events take guests; members-only events only their association's members; "
        "rate limited per client address for anonymous callers, per account for signed-in ones",
    ),
    Op(
        "POST",
        "/v1/events/{id}/registrations/bulk",
        ADMIN,
        "event",
        body=lambda w: {
            "registrations": [{"name": "Rogue", "email": f"{w['unique']('rogue')}@example.test"}]
        },
    ),
    Op(
        "POST",
        "/v1/events/{id}/registrations/import",
        ADMIN,
        "event",
        body=lambda w: {"csv": f"name,email\nRogue,{w['unique']('rogue')}@example.test\n"},
    ),
    Op(
        "GET",
        "/v1/cancel-registration",
        PUBLIC,
        note="the signed link of a registration mail is the credential",
    ),
    Op(
        "POST",
        "/v1/cancel-registration",
        PUBLIC,
        note="the signed link of a registration mail is the credential",
    ),
    Op("GET", "/v1/registrations/{id}", SELF, "registration"),
    Op("PATCH", "/v1/registrations/{id}", SELF, "registration", body=_b({"name": "Hijacked"})),
    Op("DELETE", "/v1/registrations/{id}", SELF, "registration"),
    Op("GET", "/v1/events/{id}/attendance", ADMIN, "event"),
    Op("POST", "/v1/events/{id}/attendance", ADMIN, "event", body=_b({"anonymous_count": 1})),
    Op("POST", "/v1/events/{id}/attendance/import", ADMIN, "event"),
    Op("GET", "/v1/events/{id}/feedback", PUBLIC, "event"),
    Op("POST", "/v1/events/{id}/feedback", MEMBER, "event", body=_b({"rating": 1}), note="attendees"),
    Op(
        "GET",
        "/v1/events/{id}/calendar.ics",
        PUBLIC,
        "event",
        note="a calendar feed token reads as its person",
    ),
    Op(
        "GET",
        "/v1/associations/{id}/calendar.ics",
        PUBLIC,
        "association",
        note="public events only; a calendar feed token reads as its person",
    ),
    Op(
        "GET",
        "/v1/networks/{id}/calendar.ics",
        PUBLIC,
        "network",
        note="only the events the caller may see; a calendar feed token reads as its person",
    ),
    # --- meeting markets ---------------------------------------------------------------------
    Op(
        "POST",
        "/v1/events/{id}/meeting-market",
        ADMIN,
        "event",
        body=lambda w: {"mode": "online", "meeting_minutes": 15, "windows": [w["market_window"]],
                        "max_meetings_per_participant": 5},
    ),
    Op("GET", "/v1/events/{id}/meeting-market", MEMBER, "event", note="its organisers and participants"),
    Op(
        "POST",
        "/v1/events/{id}/meeting-market/participants",
        MEMBER,
        "event",
        body=_b({}),
        note="a person with a confirmed registration, with one of their own organisations",
    ),
    Op("GET", "/v1/events/{id}/meeting-market/participants", ADMIN, "event"),
    Op("POST", "/v1/events/{id}/meeting-market/profile-reminders", ADMIN, "event"),
    Op("POST", "/v1/events/{id}/meeting-market/schedule", ADMIN, "event"),
    Op("POST", "/v1/events/{id}/meeting-market/schedule/publication", ADMIN, "event"),
    Op("GET", "/v1/events/{id}/meeting-market/table-plan", ADMIN, "event"),
    Op("GET", "/v1/events/{id}/meeting-market/suggestions", MEMBER, "event", note="its participants"),
    Op(
        "POST",
        "/v1/meeting-requests",
        MEMBER,
        body=lambda w: {"event_id": w["event"], "recipient_id": w["colleague"]},
        note="a participant, to another participant of the same market",
    ),
    Op("GET", "/v1/meeting-requests", SIGNED_IN, note="only the caller's own requests, sent and received"),
    Op("GET", "/v1/meeting-requests/{id}", SELF, "meeting_request",
       note="its requester and the person asked"),
    Op(
        "PATCH",
        "/v1/meeting-requests/{id}",
        SELF,
        "meeting_request",
        body=_b({"status": "withdrawn"}),
        note="the person asked accepts or declines; the requester withdraws",
    ),
    Op("GET", "/v1/meetings/{id}", SELF, "meeting", note="its two participants and the event's organisers"),
    Op(
        "PATCH",
        "/v1/meetings/{id}",
        SELF,
        "meeting",
        body=_b({"status": "cancelled"}),
        note="its two participants and the event's organisers",
    ),
    Op("POST", "/v1/meetings/{id}/reschedule", SELF, "meeting", body=_b({}),
       note="its two participants and the event's organisers"),
    Op("POST", "/v1/meetings/{id}/check-in", SELF, "meeting", body=_b({}),
       note="its two participants and the event's organisers"),
    Op("POST", "/v1/meetings/{id}/outcome", SELF, "meeting", body=_b({"held": True}),
       note="its two participants"),
    Op("GET", "/v1/me/agenda", SIGNED_IN, note="the caller's own meetings"),
    Op("GET", "/v1/me/agenda.ics", SIGNED_IN, note="the caller's own meetings"),
    # --- notifications -----------------------------------------------------------------------
    Op("GET", "/v1/campaigns", SIGNED_IN, note="only the campaigns of associations the caller administers"),
    Op(
        "POST",
        "/v1/campaigns",
        ADMIN,
        body=lambda w: {
            "association_id": w["association"],
            "name": "Forged",
            "sender_name": "Forged",
            "contents": {"en": {"subject": "Forged", "text": "Forged"}},
            "segment": {"association_ids": [w["association"]]},
        },
    ),
    Op("GET", "/v1/campaigns/{id}", ADMIN, "campaign"),
    Op("PATCH", "/v1/campaigns/{id}", ADMIN, "campaign", body=_b({"name": "Hijacked"})),
    Op("GET", "/v1/campaigns/{id}/audience", ADMIN, "campaign"),
    Op(
        "POST",
        "/v1/campaigns/{id}/send",
        ADMIN,
        "campaign",
        body=_b({}),
        note="rate limited per person; the association's daily cap on recipients",
    ),
    Op("POST", "/v1/campaigns/{id}/cancel", ADMIN, "campaign"),
    Op("GET", "/v1/campaigns/{id}/recipients", ADMIN, "campaign"),
    Op(
        "POST",
        "/v1/campaigns/{id}/bounces",
        ADMIN,
        "campaign",
        body=_b({"bounces": [{"email": "nobody@example.test"}]}),
    ),
    Op("GET", "/v1/me/inbox", SIGNED_IN),
    Op("POST", "/v1/me/inbox/{id}/read", SIGNED_IN, None, note="only the caller's own inbox items"),
    Op("GET", "/v1/unsubscribe", PUBLIC, note="the signed link is the credential"),
    Op("POST", "/v1/unsubscribe", PUBLIC, note="the signed link is the credential"),
    Op("GET", "/v1/webhooks", SIGNED_IN, note="only the webhooks of associations the caller administers"),
    Op(
        "POST",
        "/v1/webhooks",
        ADMIN,
        body=lambda w: {
            "association_id": w["association"],
            "url": "https://hooks.example.test/x",
            "secret": "a-long-enough-secret",
            "event_types": ["event.published"],
        },
    ),
    Op("GET", "/v1/webhooks/{id}", ADMIN, "webhook"),
    Op("DELETE", "/v1/webhooks/{id}", ADMIN, "webhook"),
    Op("GET", "/v1/webhooks/{id}/deliveries", ADMIN, "webhook"),
    # --- idea panels -------------------------------------------------------------------------
    Op("GET", "/v1/panels", MEMBER, note="lists only panels the caller may see"),
    Op(
        "POST",
        "/v1/panels",
        ADMIN,
        body=lambda w: {
            "association_id": w["association"],
            "title": "Forged",
            "theme": "Forged",
            "language": "en",
            "year": 2030,
        },
    ),
    Op("GET", "/v1/panels/{id}", MEMBER, "panel"),
    Op("PATCH", "/v1/panels/{id}", ADMIN, "panel", body=_b({"title": "Hijacked"})),
    Op("POST", "/v1/panels/{id}/transitions", ADMIN, "panel", body=_b({"to": "reviewing"})),
    Op("GET", "/v1/panels/{id}/participants", MEMBER, "panel"),
    Op(
        "POST",
        "/v1/panels/{id}/participants",
        ADMIN,
        "panel",
        body=lambda w: {"organisation_ids": [w["other_organisation"]]},
    ),
    Op(
        "DELETE",
        "/v1/panels/{id}/participants/{participant_id}",
        ADMIN,
        "panel",
        {"participant_id": "organisation"},
    ),
    Op("POST", "/v1/panels/{id}/meetings", ADMIN, "panel", body=_b({"title": "Forged meeting"})),
    Op("GET", "/v1/panels/{id}/catalogue", PUBLIC, "panel", note="public once the catalogue is published"),
    Op("GET", "/v1/panels/{id}/ideas", MEMBER, "panel"),
    Op(
        "POST",
        "/v1/panels/{id}/ideas",
        MEMBER,
        "panel",
        body=_b({"title": "Forged idea"}),
        note="participants",
    ),
    Op("GET", "/v1/ideas/{id}", MEMBER, "idea"),
    Op(
        "PATCH",
        "/v1/ideas/{id}",
        SELF,
        "idea",
        body=_b({"title": "Hijacked"}),
        note="its author or the admins",
    ),
    Op("POST", "/v1/ideas/{id}/transitions", ADMIN, "idea", body=_b({"to": "declined", "reason": "forged"})),
    Op("GET", "/v1/ideas/{id}/similar", MEMBER, "idea"),
    Op("GET", "/v1/ideas/{id}/supports", MEMBER, "idea"),
    Op("POST", "/v1/ideas/{id}/supports", MEMBER, "idea", body=_b({})),
    Op("DELETE", "/v1/ideas/{id}/supports", MEMBER, "idea"),
    Op("GET", "/v1/ideas/{id}/comments", MEMBER, "idea"),
    Op("POST", "/v1/ideas/{id}/comments", MEMBER, "idea", body=_b({"body": "Forged comment"})),
    Op("GET", "/v1/panels/{id}/decisions", MEMBER, "panel"),
    Op(
        "POST",
        "/v1/panels/{id}/decisions",
        ADMIN,
        "panel",
        body=_b({"decided_on": "2025-01-01", "body": "Council", "text": "Forged"}),
    ),
    Op("GET", "/v1/panels/{id}/initiatives", PUBLIC, "panel", note="public once the catalogue is published"),
    Op(
        "POST",
        "/v1/panels/{id}/initiatives",
        ADMIN,
        "panel",
        body=lambda w: {
            "title": "Forged",
            "idea_ids": [w["idea"]],
            "owner": {"kind": "other", "name": "Someone"},
        },
    ),
    Op("GET", "/v1/initiatives/{id}", PUBLIC, "initiative", note="public once the catalogue is published"),
    Op("PATCH", "/v1/initiatives/{id}", ADMIN, "initiative", body=_b({"title": "Hijacked"})),
    Op("POST", "/v1/initiatives/{id}/progress", ADMIN, "initiative", body=_b({"text": "Forged progress"})),
]

BY_KEY = {op.key: op for op in MATRIX}


def render_table():
    """The matrix as a Markdown table (docs/security.md)."""
    lines = ["| operation | least role allowed | tenant-owned resource | note |", "|---|---|---|---|"]
    for op in MATRIX:
        lines.append(
            f"| `{op.method} {op.path}` | {ROLE_NAMES[op.access]} | {op.resource or '–'} | {op.note} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_table())
