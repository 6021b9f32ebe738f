"""Event types of the agreed catalogue whose publishers' contracts are not in
this tree yet (events, ideas, networks), registered for the tests with the
agreed data shapes so events can be published to the notifications service.

Importing this module before the notifications service module lets the
service's guarded consumers bind to these types. Types whose real contract
exists are left alone.
"""
from marshmallow import Schema, fields

from nabo_common.events import REGISTRY, event_type, load_contracts

CALENDAR = "notifications.on_calendar_activity"
NETWORKS = "notifications.on_network_activity"
IDEAS = "notifications.on_idea_activity"


class EventData(Schema):
    event_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), load_default=list)
    network_id = fields.String(allow_none=True)
    programme_id = fields.String(allow_none=True)
    title = fields.String()
    starts_at = fields.String(allow_none=True)
    ends_at = fields.String(allow_none=True)
    time_zone = fields.String()
    format = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    venue = fields.String(allow_none=True)
    join_url = fields.String(allow_none=True)
    changes = fields.Raw()
    offset_minutes = fields.Integer()
    recording_url = fields.String()


class RegistrationData(Schema):
    registration_id = fields.String(required=True)
    event_id = fields.String(required=True)
    person_id = fields.String(allow_none=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    language = fields.String()
    status = fields.String(required=True)
    source_channel = fields.String(allow_none=True)
    campaign_code = fields.String(allow_none=True)
    ics = fields.String(allow_none=True)


class ProgrammeData(Schema):
    programme_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), load_default=list)
    name = fields.String()


class NetworkData(Schema):
    network_id = fields.String(required=True)
    name = fields.String()
    association_ids = fields.List(fields.String())
    person_id = fields.String()
    convener_person_ids = fields.List(fields.String())
    decision = fields.String()
    reason = fields.String(allow_none=True)


class MatchData(Schema):
    match_id = fields.String(required=True)
    organisation_ids = fields.List(fields.String())
    contacts = fields.List(fields.Dict())
    reasons = fields.List(fields.Raw())


class IdeaData(Schema):
    idea_id = fields.String(required=True)
    panel_id = fields.String(allow_none=True)
    title = fields.String()
    status = fields.String()
    previous_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    submitter_person_id = fields.String(allow_none=True)
    association_id = fields.String(allow_none=True)
    into_idea_id = fields.String(allow_none=True)


class InitiativeData(Schema):
    initiative_id = fields.String(required=True)
    panel_id = fields.String(allow_none=True)
    idea_ids = fields.List(fields.String())
    title = fields.String()
    owner = fields.Raw()


class PanelData(Schema):
    panel_id = fields.String(required=True)
    association_id = fields.String(allow_none=True)
    phase = fields.String()
    title = fields.String()


AGREED = {
    "programme.created": ("events", ProgrammeData, CALENDAR),
    "event.published": ("events", EventData, CALENDAR), "event.updated": ("events", EventData, CALENDAR),
    "event.cancelled": ("events", EventData, CALENDAR), "event.completed": ("events", EventData, CALENDAR),
    "event.reminder_due": ("events", EventData, CALENDAR),
    "event.recording_published": ("events", EventData, CALENDAR),
    "registration.confirmed": ("events", RegistrationData, CALENDAR),
    "registration.waitlisted": ("events", RegistrationData, CALENDAR),
    "registration.promoted": ("events", RegistrationData, CALENDAR),
    "registration.cancelled": ("events", RegistrationData, CALENDAR),
    "network.created": ("members", NetworkData, NETWORKS), "network.updated": ("members", NetworkData, NETWORKS),
    "network.member_joined": ("members", NetworkData, NETWORKS),
    "network.member_left": ("members", NetworkData, NETWORKS),
    "network.member_invited": ("members", NetworkData, NETWORKS),
    "network.join_requested": ("members", NetworkData, NETWORKS),
    "network.join_decided": ("members", NetworkData, NETWORKS),
    "match.introduced": ("members", MatchData, NETWORKS),
    "panel.created": ("ideas", PanelData, IDEAS), "panel.phase_changed": ("ideas", PanelData, IDEAS),
    "idea.submitted": ("ideas", IdeaData, IDEAS), "idea.status_changed": ("ideas", IdeaData, IDEAS),
    "idea.supported": ("ideas", IdeaData, IDEAS), "idea.commented": ("ideas", IdeaData, IDEAS),
    "idea.merged": ("ideas", IdeaData, IDEAS), "decision.recorded": ("ideas", PanelData, IDEAS),
    "initiative.launched": ("ideas", InitiativeData, IDEAS),
    "initiative.progress_updated": ("ideas", InitiativeData, IDEAS),
}

load_contracts()
for _name, (_source, _schema, _consumer) in AGREED.items():
    if _name not in REGISTRY:
        event_type(_name, _source, f"{_name} (agreed shape, test-local)", consumers=(_consumer,))(_schema)
