"""Notifications API: campaigns, preferences, inbox, unsubscribe, webhooks."""
from datetime import datetime, timedelta, timezone

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.api.common import (
    LANGUAGES,
    Country,
    Id,
    Input,
    Instant,
    KeysAmong,
    Language,
    Output,
    Pattern,
    Text,
    WebAddress,
    theme_id_example,
    violations,
)
from nabo_common.api.pagination import PageQuery

CAMPAIGN_KINDS = ("newsletter", "direct")
# event types a webhook may subscribe to: those without personal data
WEBHOOK_EVENT_TYPES = (
    "association.updated", "organisation.created", "organisation.updated", "membership.created",
    "membership.status_changed", "network.created", "network.updated", "programme.created", "event.published",
    "event.updated", "event.cancelled", "event.completed", "event.recording_published", "panel.created",
    "panel.phase_changed", "idea.status_changed", "idea.merged", "decision.recorded", "initiative.launched",
    "initiative.progress_updated",
)
CAMPAIGN_STATUSES = ("draft", "scheduled", "sending", "sent", "cancelled")
RECIPIENT_STATUSES = ("queued", "claimed", "sending", "sent", "failed", "bounced")
DIGEST_MODES = ("immediate", "daily", "weekly")
# what a person hears from one network's conversation: every post at once, a daily or weekly digest, only
# replies to their own posts and mentions of them, or nothing
NETWORK_MODES = ("every_post", "daily", "weekly", "replies_and_mentions", "none")
NETWORK_MODE_DEFAULT = "daily"
MAX_IDS = validate.Length(min=1, max=50)


class CampaignContent(Input):
    subject = Text(300, required=True)
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=50_000),
        metadata={
            "description": "Plain text; blank lines separate paragraphs. Links get the "
            "campaign code added (campaign_code, source_channel)."
        },
    )


class Segment(Input):
    """Who receives a campaign: every given criterion must hold (each list matches any of its values)."""

    # at least one criterion: a list with an entry, or max_age
    json_schema = violations({"not": {"anyOf": [
        {"required": ["max_age"]},
        *({"required": [key], "properties": {key: {"minItems": 1}}}
          for key in ("association_ids", "network_ids", "event_ids", "programme_ids", "themes", "sectors",
                      "countries")),
    ]}})

    association_ids = fields.List(
        Id(),
        validate=MAX_IDS,
        metadata={
            "description": "Persons of member organisations (active) or registered by the association."
        },
    )
    network_ids = fields.List(Id(), validate=MAX_IDS)
    event_ids = fields.List(Id(), validate=MAX_IDS, metadata={"description": "Confirmed registrants."})
    programme_ids = fields.List(Id(), validate=MAX_IDS)
    themes = fields.List(
        fields.String(validate=validate.Length(min=1, max=80)),
        validate=MAX_IDS,
        metadata=theme_id_example(
            {"description": "Theme ids of the taxonomy (GET /v1/themes) the persons' organisations are "
                            "about."},
            many=True,
        ),
    )
    sectors = fields.List(
        fields.String(
            validate=Pattern(r"^[A-U0-9][0-9.]{0,5}$", error="Use a NACE code such as 62.01 or J.")
        ),
        validate=MAX_IDS,
    )
    countries = fields.List(fields.String(validate=Country), validate=MAX_IDS)
    max_age = fields.Integer(
        validate=validate.Range(min=14, max=120),
        metadata={"description": "Persons aged up to this many years (by birth year)."},
    )

    @validates_schema
    def not_empty(self, data, **kwargs):
        if not any(data.get(k) not in (None, []) for k in self.fields):
            raise ValidationError("Give at least one criterion.", "_schema")


# one content per language; the explicit bound is what a generic check of body sizes can see
CONTENTS_SIZE = validate.Length(max=len(LANGUAGES))


_contents_languages = KeysAmong(
    LANGUAGES, f"Languages must be among {', '.join(LANGUAGES)}; not {{unknown}}.",
    "Give the content in at least one language."
)


class CampaignCreate(Input):
    association_id = Id(metadata={"description": "Defaults to the association the admin administers."})
    name = Text(200, required=True)
    kind = fields.String(
        load_default="newsletter",
        validate=validate.OneOf(CAMPAIGN_KINDS),
        metadata={"description": "newsletter needs newsletter consent; direct needs contact consent."},
    )
    sender_name = Text(200, required=True)
    sender_email = fields.Email(validate=validate.Length(max=320))
    contents = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(CampaignContent),
        required=True,
        validate=[CONTENTS_SIZE, _contents_languages],
    )
    segment = fields.Nested(Segment, required=True)


class CampaignUpdate(Input):
    name = Text(200)
    sender_name = Text(200)
    sender_email = fields.Email(validate=validate.Length(max=320), allow_none=True)
    contents = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(CampaignContent),
        validate=[CONTENTS_SIZE, _contents_languages],
    )
    segment = fields.Nested(Segment)


MAX_SCHEDULE_AHEAD = timedelta(days=366)


def _within_a_year(value):
    # the send counts against the daily cap of its day, which must be a real date in every time zone
    if value - datetime.now(timezone.utc) > MAX_SCHEDULE_AHEAD:
        raise ValidationError("Schedule a campaign at most a year ahead.")


class CampaignSend(Input):
    at = fields.AwareDateTime(
        validate=_within_a_year,
        metadata={"description": "When to send (with an offset), at most a year ahead; omitted: now."},
    )


class CampaignProgress(Output):
    total = fields.Integer()
    queued = fields.Integer()
    sending = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer()
    bounced = fields.Integer()


class Campaign(Output):
    id = fields.String(dump_only=True)
    association_id = fields.String()
    name = fields.String()
    kind = fields.String()
    sender_name = fields.String()
    sender_email = fields.String(allow_none=True)
    contents = fields.Dict()
    segment = fields.Dict()
    code = fields.String(
        metadata={"description": "Added to links so registrations are attributed to the campaign."}
    )
    status = fields.String()
    send_at = Instant(allow_none=True)
    recipient_count = fields.Integer()
    created_at = Instant()
    started_at = Instant(allow_none=True)
    completed_at = Instant(allow_none=True)
    progress = fields.Nested(CampaignProgress, dump_only=True)


class CampaignQuery(PageQuery):
    association_id = Id()
    status = fields.String(validate=validate.OneOf(CAMPAIGN_STATUSES))


class AudienceSample(Output):
    person_id = fields.String()
    name = fields.String()
    language = fields.String()


class AudiencePreview(Output):
    count = fields.Integer()
    sample = fields.List(fields.Nested(AudienceSample))
    languages = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Recipients per message language after fallback."},
    )


class RecipientQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(RECIPIENT_STATUSES))


class Recipient(Output):
    person_id = fields.String()
    email = fields.String()
    name = fields.String()
    language = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    sent_at = Instant(allow_none=True)


class Bounce(Input):
    email = fields.Email(required=True)
    kind = fields.String(load_default="hard", validate=validate.OneOf(("hard", "soft")))
    reason = fields.String(validate=validate.Length(max=500))


class BounceReport(Input):
    bounces = fields.List(fields.Nested(Bounce), required=True, validate=validate.Length(min=1, max=1000))


class BounceResult(Output):
    bounced = fields.Integer()
    unknown = fields.List(fields.String())


class Channels(Input):
    email = fields.Boolean()
    inapp = fields.Boolean()


class NetworkChoice(Input):
    network_id = Id(required=True, metadata={
        "description": "A network the person is a member of, or one listed in their preferences with "
                       "member false (they stopped its offers in one click)."})
    mode = fields.String(
        required=True,
        validate=validate.OneOf(NETWORK_MODES),
        metadata={
            "description": "every_post: each post at once; daily or weekly: posts in that digest; "
            "replies_and_mentions: only replies to the person's posts and mentions of them; none: nothing. "
            "Replies to the person's posts and mentions come at once in every mode but none. For a "
            "network the person is not a member of, none stops its opportunities offered to them and any "
            "other mode lets them come again (and is what they hear once a member)."
        },
    )


class PreferencesUpdate(Input):
    channels = fields.Nested(Channels)
    networks = fields.List(
        fields.Nested(NetworkChoice),
        validate=validate.Length(min=1, max=200),
        metadata={"description": "What the person hears from these networks' conversations; each network "
                                 "once."},
    )
    digest = fields.String(
        validate=validate.OneOf(DIGEST_MODES),
        metadata={"description": "Non-urgent messages at once, or bundled daily or weekly."},
    )
    language = fields.String(validate=Language, allow_none=True)

    @validates_schema
    def each_network_once(self, data, **kwargs):
        chosen = [choice["network_id"] for choice in data.get("networks") or ()]
        if len(chosen) != len(set(chosen)):
            raise ValidationError("Choose each network once.", "networks")


class NetworkPreference(Output):
    network_id = fields.String()
    network_name = fields.String(allow_none=True, metadata={
        "description": "In the caller's language where the network has a name in it; null for a network "
                       "this service does not know."})
    mode = fields.String(metadata={"description": f"One of {', '.join(NETWORK_MODES)}; "
                                                  f"{NETWORK_MODE_DEFAULT} unless chosen."})
    member = fields.Boolean(metadata={
        "description": "Whether the person is a member of the network. A network they are not a member of "
                       "is listed when they chose for it: one click in an opportunity offered from it "
                       "(mode none) stopped its offers; choosing another mode lets them come again."})


class Preferences(Output):
    person_id = fields.String()
    channels = fields.Dict(keys=fields.String(), values=fields.Boolean())
    digest = fields.String()
    language = fields.String(allow_none=True)
    networks = fields.List(
        fields.Nested(NetworkPreference),
        metadata={"description": "Each network the person is a member of, and each they unsubscribed from "
                                 "in one click without being a member, and what they hear from it."},
    )


class InboxQuery(PageQuery):
    unread = fields.Boolean()


class InboxItem(Output):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    created_at = Instant()
    read_at = Instant(allow_none=True)


class SignedLinkQuery(Input):
    """The signed token of a link in a mail (unsubscribe, cancel a registration)."""

    # a signed token (JWT): URL-safe characters only, so a link always fits in a request line
    token = fields.String(
        required=True, validate=[validate.Length(min=20, max=2000), Pattern(r"^[A-Za-z0-9_.=-]+$")]
    )


class UnsubscribeQuery(SignedLinkQuery):
    pass


class RegistrationCancelResult(Output):
    registration_id = fields.String()
    event_id = fields.String()
    title = fields.String()
    status = fields.String(metadata={"description": "cancelled"})
    already_cancelled = fields.Boolean(metadata={"description": "The link had cancelled it before."})


class UnsubscribeResult(Output):
    association_id = fields.String()
    kind = fields.String(metadata={"description": "newsletter, contact, or network: the mail of one "
                                                  "network's conversation."})
    network_id = fields.String(allow_none=True, metadata={"description": "The network, for kind network."})
    withdrawn = fields.Boolean()


class WebhookCreate(Input):
    association_id = Id(metadata={"description": "Defaults to the association the admin administers."})
    network_id = Id(metadata={"description": "Only events of this network."})
    url = WebAddress(
        required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=1000)
    )
    secret = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "Signs each delivery (HMAC-SHA256); never shown again."},
    )
    event_types = fields.List(
        # checked where webhooks are kept (one message naming the unknown ones): stated here for the document
        fields.String(metadata={"enum": list(WEBHOOK_EVENT_TYPES)}),
        required=True,
        validate=validate.Length(min=1, max=50),
    )


class Webhook(Output):
    id = fields.String()
    association_id = fields.String()
    network_id = fields.String(allow_none=True)
    url = fields.String()
    event_types = fields.List(fields.String())
    active = fields.Boolean()
    created_at = Instant()


class WebhookQuery(PageQuery):
    association_id = Id()


class WebhookDelivery(Output):
    id = fields.Integer()
    event_type = fields.String()
    cause_id = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    response_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = Instant()
    sent_at = Instant(allow_none=True)
