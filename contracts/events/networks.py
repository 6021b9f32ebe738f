"""Events published by the members service about themes, networks and matches.

Consumers add their queue (``service.handler``) to ``consumers`` when they
start handling a type, so the queue is declared before the first event.
"""

from marshmallow import Schema, fields, validate

from contracts.events.members import LANG, _Strict
from nabo_common.messaging.envelopes import event_type, example


@event_type(
    "theme.created",
    "members",
    "A theme was added to the taxonomy (seeded themes included); `status` proposed when an association "
    "proposed it.",
)
@event_type("theme.updated", "members", "A theme's labels or parent changed.")
@event_type("theme.accepted", "members", "A platform admin accepted a proposed theme into the taxonomy.")
@event_type("theme.retired", "members", "A theme is no longer offered for tagging; what was tagged keeps it.")
@example(
    {
        "theme_id": "a50068bb-5ae9-56dc-bcf1-7846f6b1d370",
        "key": "solar-energy",
        "parent_id": "15418d20-dedc-5de4-85fc-a412414f54f0",
        "labels": {"da": "Solenergi", "de": "Solarenergie", "en": "Solar energy"},
        "status": "accepted",
    }
)
class ThemeData(_Strict):
    theme_id = fields.String(required=True)
    key = fields.String(required=True)
    parent_id = fields.String(allow_none=True, load_default=None)
    labels = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), required=True)
    status = fields.String(load_default="accepted")


@event_type(
    "theme.merged",
    "members",
    "A theme was merged into another: whatever is tagged with `theme_id` (or its `key`) is to be tagged "
    "with `into_theme_id` (`into_key`) instead.",
)
@example(
    {
        "theme_id": "a50068bb-5ae9-56dc-bcf1-7846f6b1d370",
        "key": "solar-power",
        "into_theme_id": "f3ab017f-134f-585a-ad43-4cb6102f76bc",
        "into_key": "solar-energy",
    }
)
class ThemeMerged(_Strict):
    theme_id = fields.String(required=True)
    key = fields.String(required=True)
    into_theme_id = fields.String(required=True)
    into_key = fields.String(required=True)


@event_type("offer_need.created", "members", "An organisation published what it offers or seeks.")
@event_type("offer_need.updated", "members", "An offer or need changed (see changed).")
@event_type("offer_need.deleted", "members", "An offer or need was withdrawn.")
@example(
    {
        "offer_need_id": "b1dd2b30-8426-5dbf-ac94-4f1116518a8a",
        "organisation_id": "f6167f3d-37f2-5cfc-8d0a-926ee21c14c7",
        "owner_association_id": "4e28f988-73b5-5616-803b-ec4c2985b1b5",
        "kind": "offer",
        "title": "Energitjek af værksteder og kontorer",
        "themes": ["energy-advice"],
        "changed": ["title"],
    }
)
class OfferNeedData(_Strict):
    offer_need_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    owner_association_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["offer", "need"]))
    title = fields.String(required=True)
    themes = fields.List(fields.String(), load_default=list)
    changed = fields.List(fields.String(), load_default=list)


@event_type("network.created", "members", "A network (community) was started.")
@event_type("network.updated", "members", "A network's profile, policy or activity changed (see changed).")
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "name": "Green transition South Jutland",
        "names": {
            "da": "Grøn omstilling Sønderjylland",
            "de": "Grüne Transformation Nordschleswig",
            "en": "Green transition South Jutland",
        },
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "themes": ["green-transition"],
        "join_policy": "request",
        "visibility": "all_associations",
        "activity": "active",
        "convener_person_ids": ["860553e2-615a-556a-803d-49035e145141"],
        "changed": ["join_policy"],
    }
)
class NetworkData(_Strict):
    network_id = fields.String(required=True)
    name = fields.String(
        required=True, metadata={"description": "The name in English, else German, Dutch, Danish or Swedish."}
    )
    names = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), required=True)
    association_ids = fields.List(fields.String(), required=True, metadata={"description": "Active owners."})
    themes = fields.List(fields.String(), load_default=list)
    join_policy = fields.String(required=True)
    visibility = fields.String(required=True)
    activity = fields.String(required=True)
    convener_person_ids = fields.List(fields.String(), load_default=list)
    changed = fields.List(fields.String(), load_default=list)


@event_type(
    "network.dormancy_proposed",
    "members",
    "A network had no post and no meeting for NETWORK_DORMANT_AFTER_DAYS: its conveners are asked first; "
    "unless someone posts or a convener keeps it active, it is marked dormant at `dormant_from`.",
)
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "name": "Young entrepreneurs",
        "names": {"sv": "Unga företagare", "en": "Young entrepreneurs"},
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "convener_person_ids": ["860553e2-615a-556a-803d-49035e145141"],
        "last_activity_at": "2026-03-01T09:30:00+00:00",
        "dormant_from": "2026-09-14T09:30:00+00:00",
    }
)
class NetworkDormancyProposedData(_Strict):
    network_id = fields.String(required=True)
    name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), load_default=dict)
    association_ids = fields.List(fields.String(), required=True)
    convener_person_ids = fields.List(fields.String(), load_default=list)
    last_activity_at = fields.AwareDateTime(allow_none=True, load_default=None)
    dormant_from = fields.AwareDateTime(required=True)


@event_type("network.member_joined", "members", "A person became a member of a network.")
@event_type("network.member_left", "members", "A person left or was removed from a network.")
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "name": "Anne Holm",
        "by_person_id": "5efb28d6-ae10-51f4-89cd-e6dbe376aa5c",
    }
)
class NetworkMemberData(_Strict):
    network_id = fields.String(required=True)
    person_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    name = fields.String(required=True)
    by_person_id = fields.String(allow_none=True, load_default=None)


@event_type("network.join_requested", "members", "A person asked to join a network; its conveners decide.")
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "convener_person_ids": ["860553e2-615a-556a-803d-49035e145141"],
        "name": "Anne Holm",
        "names": {"da": "Grønne iværksættere", "de": "Grüne Gründer"},
        "message": "We install solar panels and would like to join.",
    }
)
class JoinRequestedData(_Strict):
    network_id = fields.String(required=True)
    person_id = fields.String(required=True)
    convener_person_ids = fields.List(fields.String(), required=True)
    name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), load_default=dict,
                        metadata={"description": "The network's name in each language it has one in."})
    message = fields.String(allow_none=True, load_default=None)


@event_type("network.join_decided", "members", "A convener approved or declined a request to join.")
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "decision": "approved",
        "reason": None,
        "name": "Anne Holm",
        "names": {"da": "Grønne iværksættere", "de": "Grüne Gründer"},
    }
)
class JoinDecidedData(_Strict):
    network_id = fields.String(required=True)
    person_id = fields.String(required=True)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "declined"]))
    reason = fields.String(allow_none=True, load_default=None)
    name = fields.String(load_default="")
    names = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), load_default=dict,
                        metadata={"description": "The network's name in each language it has one in."})


@event_type(
    "network.owner_invited",
    "members",
    "A convener asked another association (`association_id`) to co-own a network; its admin decides.",
)
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "status": "pending",
    }
)
class OwnerInvitedData(_Strict):
    network_id = fields.String(required=True)
    association_id = fields.String(required=True)
    status = fields.String(required=True)


@event_type("network.member_invited", "members", "A convener invited a person to a network.")
@example(
    {
        "network_id": "a77204dd-cccd-5622-8d6b-6850e22c6e15",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "invited_by": "8430ae5b-33af-52e7-a218-af6523b0f859",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "name": "Anne Holm",
        "message": "Your experience with heat pumps would help us.",
    }
)
class MemberInvitedData(_Strict):
    network_id = fields.String(required=True)
    person_id = fields.String(required=True)
    invited_by = fields.String(allow_none=True, load_default=None)
    association_ids = fields.List(fields.String(), required=True)
    name = fields.String(required=True)
    message = fields.String(allow_none=True, load_default=None)


class _Contact(Schema):
    person_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True, load_default=None)
    language = fields.String(required=True, validate=LANG)


class _Reason(Schema):
    kind = fields.String(required=True)
    themes = fields.List(fields.String(), load_default=list)
    networks = fields.List(fields.String(), load_default=list)


@event_type(
    "match.introduced",
    "members",
    "Two organisations that accepted a suggested match are introduced; notifications e-mails both contacts.",
)
@example(
    {
        "match_id": "ea782e45-550d-55cc-aaec-16f3fc3aa298",
        "organisation_ids": ["f6167f3d-37f2-5cfc-8d0a-926ee21c14c7", "66239139-8992-565c-a70c-15c64b404b7a"],
        "organisation_names": ["Fjordby Tømrer ApS", "Solvarme Syd A/S"],
        "contacts": [
            {
                "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
                "organisation_id": "f6167f3d-37f2-5cfc-8d0a-926ee21c14c7",
                "name": "Anne Holm",
                "email": "anne.holm@example.dk",
                "language": "da",
            },
            {
                "person_id": "0d6f3c1e-5a9b-5e4f-9d0e-7c1b2a3f4e5d",
                "organisation_id": "66239139-8992-565c-a70c-15c64b404b7a",
                "name": "Lars Nielsen",
                "email": "lars@solvarme-syd.example.dk",
                "language": "da",
            },
        ],
        "reasons": [
            {
                "kind": "needs_your_offer",
                "themes": ["solar-energy"],
                "networks": ["Green transition South Jutland"],
            }
        ],
        "message": "You both work on solar heating: meet at the March network meeting?",
        "introduced_by": "8127f6b1-d482-5bd9-85b6-a62415e0efe0",
    }
)
class MatchIntroducedData(_Strict):
    match_id = fields.String(required=True)
    organisation_ids = fields.List(fields.String(), required=True, validate=validate.Length(equal=2))
    organisation_names = fields.List(fields.String(), required=True, validate=validate.Length(equal=2))
    contacts = fields.List(fields.Nested(_Contact), required=True)
    reasons = fields.List(fields.Nested(_Reason), required=True)
    message = fields.String(allow_none=True, load_default=None)
    introduced_by = fields.String(allow_none=True, load_default=None)
