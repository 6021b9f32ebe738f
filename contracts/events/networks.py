"""Events published by the members service about themes, networks and matches.

Consumers add their queue (``service.handler``) to ``consumers`` when they
start handling a type, so the queue is declared before the first event.
"""
from marshmallow import Schema, fields, validate

from contracts.events.members import LANG, _Strict
from nabo_common.messaging.envelopes import event_type


@event_type(
    "theme.created",
    "members",
    "A theme was added to the taxonomy (seeded themes included); `status` proposed when an association "
    "proposed it.",
)
@event_type("theme.updated", "members", "A theme's labels or parent changed.")
@event_type("theme.accepted", "members", "A platform admin accepted a proposed theme into the taxonomy.")
@event_type("theme.retired", "members", "A theme is no longer offered for tagging; what was tagged keeps it.")
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
class ThemeMerged(_Strict):
    theme_id = fields.String(required=True)
    key = fields.String(required=True)
    into_theme_id = fields.String(required=True)
    into_key = fields.String(required=True)


@event_type("offer_need.created", "members", "An organisation published what it offers or seeks.")
@event_type("offer_need.updated", "members", "An offer or need changed (see changed).")
@event_type("offer_need.deleted", "members", "An offer or need was withdrawn.")
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


@event_type("network.member_joined", "members", "A person became a member of a network.")
@event_type("network.member_left", "members", "A person left or was removed from a network.")
class NetworkMemberData(_Strict):
    network_id = fields.String(required=True)
    person_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    name = fields.String(required=True)
    by_person_id = fields.String(allow_none=True, load_default=None)


@event_type("network.join_requested", "members", "A person asked to join a network; its conveners decide.")
class JoinRequestedData(_Strict):
    network_id = fields.String(required=True)
    person_id = fields.String(required=True)
    convener_person_ids = fields.List(fields.String(), required=True)
    name = fields.String(required=True)
    names = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), load_default=dict,
                        metadata={"description": "The network's name in each language it has one in."})
    message = fields.String(allow_none=True, load_default=None)


@event_type("network.join_decided", "members", "A convener approved or declined a request to join.")
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
class OwnerInvitedData(_Strict):
    network_id = fields.String(required=True)
    association_id = fields.String(required=True)
    status = fields.String(required=True)


@event_type("network.member_invited", "members", "A convener invited a person to a network.")
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
class MatchIntroducedData(_Strict):
    match_id = fields.String(required=True)
    organisation_ids = fields.List(fields.String(), required=True, validate=validate.Length(equal=2))
    organisation_names = fields.List(fields.String(), required=True, validate=validate.Length(equal=2))
    contacts = fields.List(fields.Nested(_Contact), required=True)
    reasons = fields.List(fields.Nested(_Reason), required=True)
    message = fields.String(allow_none=True, load_default=None)
    introduced_by = fields.String(allow_none=True, load_default=None)
