"""Meeting markets API: one-to-one meetings at an event, requested among its participants and placed
in slots at tables or behind online links."""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.api.common import EventTime, Id, Input, Instant, Output
from contracts.api.events import FORMATS, URL
from nabo_common.api.pagination import PageQuery
from nabo_common.i18n.catalogues import N_

REQUEST_STATUSES = ("pending", "accepted", "declined", "withdrawn", "expired")
# what each side may set: the recipient answers, the requester withdraws
ANSWERS = ("accepted", "declined", "withdrawn")
# on_accept: accepting places the meeting; by_organiser: the organiser schedules and publishes
SCHEDULING = ("on_accept", "by_organiser")
MAX_WINDOWS = 20
MAX_TABLES = 500
LINK_PLACEHOLDER = "{meeting_id}"


class MarketWindow(Input):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)

    @validates_schema
    def in_order(self, data, **kwargs):
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError("ends_at must be after starts_at.", "ends_at")


class MeetingMarketSettings(Input):
    mode = fields.String(required=True, validate=validate.OneOf(FORMATS),
                         metadata={"description": "in_person (tables), online (links) or hybrid (both)."})
    meeting_minutes = fields.Integer(required=True, validate=validate.Range(min=5, max=240))
    windows = fields.List(fields.Nested(MarketWindow), required=True,
                          validate=validate.Length(min=1, max=MAX_WINDOWS),
                          metadata={"description": "When meetings happen, within the event's time."})
    tables = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                         validate=validate.Length(max=MAX_TABLES),
                         metadata={"description": "Tables or rooms (in person and hybrid)."})
    online_link_template = URL(
        allow_none=True, load_default=None,
        metadata={"description": "A meeting's link, with {meeting_id} in it; without one each meeting gets "
                  "a generated room.", "pattern": r".*\{meeting_id\}.*"})
    max_meetings_per_participant = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    request_expiry_hours = fields.Integer(load_default=72, validate=validate.Range(min=1, max=24 * 60),
                                          metadata={"description": "A request unanswered this long expires."})
    reminder_minutes = fields.Integer(load_default=15, validate=validate.Range(min=0, max=24 * 60), metadata={
        "description": "How long before each meeting both sides are reminded, in their language (0: not)."})
    scheduling = fields.String(load_default="on_accept", validate=validate.OneOf(SCHEDULING), metadata={
        "description": "on_accept: accepting a request places its meeting at once; by_organiser: accepted "
                       "requests wait until the organiser schedules them all and publishes the schedule."})

    @validates_schema
    def places(self, data, **kwargs):
        if data["mode"] in ("in_person", "hybrid") and not data["tables"]:
            raise ValidationError("Meetings in person need at least one table or room.", "tables")
        if data["mode"] == "online" and data["tables"]:
            raise ValidationError("Online meetings have no tables.", "tables")
        if len(set(data["tables"])) != len(data["tables"]):
            raise ValidationError("Each table needs a name of its own.", "tables")
        template = data.get("online_link_template")
        if template and LINK_PLACEHOLDER not in template:
            raise ValidationError(N_("Put {placeholder} where the meeting's id goes.").format(
                placeholder=LINK_PLACEHOLDER),
                                  "online_link_template")


class MeetingMarket(Output):
    id = fields.String()
    event_id = fields.String()
    mode = fields.String()
    meeting_minutes = fields.Integer()
    windows = fields.List(fields.Dict(), metadata={
        "description": "starts_at and ends_at of each window, RFC 3339 with the offset of the event's "
                       "time zone."})
    time_zone = fields.String(metadata={"description": "The event's IANA time zone."})
    tables = fields.List(fields.String())
    online_link_template = fields.String(allow_none=True)
    max_meetings_per_participant = fields.Integer()
    request_expiry_hours = fields.Integer()
    scheduling = fields.String()
    reminder_minutes = fields.Integer()
    schedule_published_at = Instant(allow_none=True, metadata={
        "description": "When the organiser last published the schedule."})
    slots = fields.Integer(metadata={"description": "How many meeting slots the windows hold."})
    participants = fields.Integer()
    requests = fields.Dict(keys=fields.String(), values=fields.Integer(),
                           metadata={"description": "How many requests are in each status."})
    meetings = fields.Integer(metadata={"description": "Meetings scheduled."})
    meetings_held = fields.Integer(metadata={
        "description": "Meetings checked in with both sides present, or that a participant said took place."})
    no_shows = fields.Integer(metadata={
        "description": "Places in meetings that have ended whose participant was not checked in."})
    no_show_rate = fields.Float(allow_none=True, metadata={
        "description": "no_shows among all places in meetings that have ended, 0 to 1 (null: none ended)."})
    unscheduled = fields.Integer(metadata={"description": "Accepted requests without a meeting yet."})
    drafts = fields.Integer(metadata={
        "description": "Meetings the organiser scheduled but has not published yet."})


class ParticipantJoin(Input):
    organisation_id = Id(metadata={"description": "The organisation whose profile you take part with "
                                   "(default: your only one)."})


class MarketParticipant(Output):
    person_id = fields.String()
    name = fields.String()
    organisation_id = fields.String()
    joined_at = Instant()
    profile_complete = fields.Boolean(allow_none=True)
    missing = fields.List(fields.String(), metadata={
        "description": "What the organisation's profile lacks: description, themes, offers, needs "
        "(profile_unavailable when the members service does not show it)."})
    meetings = fields.Integer(allow_none=True, metadata={
        "description": "Published meetings scheduled (the organisers' list only)."})
    no_shows = fields.Integer(allow_none=True, metadata={
        "description": "Meetings that have ended without this participant checked in (the organisers' list "
                       "only)."})


class ProfileReminders(Output):
    reminded = fields.List(fields.String(), metadata={"description": "Person ids reminded."})


class CarriedForward(Output):
    kind = fields.String(metadata={
        "description": "match_accepted or introduced (the members service's match of your organisations, "
                       "with match_id), or follow_up_agreed (a meeting at an earlier market, with event_id "
                       "and meeting_id, whose outcome agreed a follow-up)."})
    match_id = fields.String(allow_none=True)
    event_id = fields.String()
    meeting_id = fields.String()


class MeetingSuggestion(Output):
    participant = fields.Nested(MarketParticipant)
    score = fields.Integer()
    reasons = fields.List(fields.Dict())
    carried_forward = fields.List(fields.Nested(CarriedForward), metadata={
        "description": "Why this partner is offered first: what your organisations already began between "
                       "events. Empty for a new partner."})


class MeetingRequestCreate(Input):
    event_id = Id(required=True)
    recipient_id = Id(required=True, metadata={"description": "The participant (person) to meet."})
    message = fields.String(validate=validate.Length(max=500), load_default=None, allow_none=True)
    follow_up_of = Id(load_default=None, allow_none=True, metadata={
        "description": "The meeting at an earlier market, between your organisation and the recipient's, "
                       "whose outcome agreed a follow-up (a suggestion's carried_forward names it)."})


class MeetingRequestQuery(PageQuery):
    event_id = Id()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))


class MeetingRequestAnswer(Input):
    status = fields.String(required=True, validate=validate.OneOf(ANSWERS), metadata={
        "description": "The recipient accepts or declines; the requester withdraws a pending request, "
                       "and either side an accepted one waiting for the organiser's schedule."})


FOLLOW_UPS = ("none", "meeting", "offer", "deal")


class MeetingOutcomeCreate(Input):
    held = fields.Boolean(required=True, metadata={"description": "Whether the meeting took place."})
    rating = fields.Integer(validate=validate.Range(min=1, max=5), load_default=None, allow_none=True,
                            metadata={"description": "How useful it was, 1 to 5."})
    follow_up = fields.String(validate=validate.OneOf(FOLLOW_UPS), load_default=None, allow_none=True,
                              metadata={"description": "What follows: none, another meeting, an offer, "
                                        "a deal."})
    note = fields.String(validate=validate.Length(max=1000), load_default=None, allow_none=True)


class MeetingOutcome(Output):
    person_id = fields.String()
    held = fields.Boolean()
    rating = fields.Integer(allow_none=True)
    follow_up = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_at = Instant()


class MeetingOut(Output):
    id = fields.String()
    event_id = fields.String()
    request_id = fields.String()
    starts_at = EventTime()
    ends_at = EventTime()
    time_zone = fields.String(metadata={"description": "The event's IANA time zone."})
    table = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "scheduled or cancelled."})
    published = fields.Boolean(metadata={
        "description": "false: a draft of the organiser's schedule, not yet shown to its participants."})
    participants = fields.List(fields.Nested(MarketParticipant))
    present = fields.List(fields.String(), metadata={
        "description": "Participants (person ids) checked in as present."})
    held = fields.Boolean(metadata={"description": "Checked in with both sides present."})
    outcomes = fields.List(fields.Nested(MeetingOutcome), metadata={
        "description": "What each participant recorded came of it."})


class MeetingRequestOut(Output):
    id = fields.String()
    event_id = fields.String()
    requester_id = fields.String()
    recipient_id = fields.String()
    message = fields.String(allow_none=True)
    follow_up_of = fields.String(allow_none=True, metadata={
        "description": "The earlier meeting this request follows up, if any."})
    status = fields.String()
    expires_at = Instant()
    answered_at = Instant(allow_none=True)
    created_at = Instant()
    meeting = fields.Nested(MeetingOut, allow_none=True)


class MeetingUpdate(Input):
    status = fields.String(required=True, validate=validate.OneOf(["cancelled"]))


class MeetingReschedule(Input):
    starts_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "The start of one of the market's meeting slots; without it, the earliest slot after "
                       "now, other than the meeting's own, free for both sides with a free table (or its "
                       "online link)."})


class MeetingCheckIn(Input):
    present = fields.List(Id(), validate=validate.Length(min=1, max=2), load_default=None, metadata={
        "description": "Who came (person ids of the meeting's two participants); without it, both: the "
                       "meeting was held."})


class AgendaQuery(Input):
    event_id = Id()


class Agenda(Output):
    items = fields.List(fields.Nested(MeetingOut))


class MarketParticipants(Output):
    items = fields.List(fields.Nested(MarketParticipant))


class MeetingSuggestions(Output):
    items = fields.List(fields.Nested(MeetingSuggestion))


UNPLACED_REASONS = ("maximum", "no_common_slot")


class UnplacedRequest(Output):
    request_id = fields.String()
    reason = fields.String(metadata={"description": "maximum: one side has the most meetings allowed; "
                                     "no_common_slot: no slot is free for both (with a table, in person)."})


class ScheduleRun(Output):
    scheduled = fields.Integer(metadata={
        "description": "Meetings placed by this run (drafts until published)."})
    unplaced = fields.List(fields.Nested(UnplacedRequest))
    drafts = fields.Integer(metadata={
        "description": "Meetings waiting to be published, this run's included."})


class SchedulePublication(Output):
    published = fields.Integer(metadata={"description": "Meetings published now; both sides are told."})
    participants = fields.Integer(metadata={"description": "Participants with a meeting among them."})
    published_at = Instant()


TABLE_PLAN_FORMATS = ("json", "csv", "html")


class TablePlanQuery(Input):
    format = fields.String(load_default="json", validate=validate.OneOf(TABLE_PLAN_FORMATS))


class PlannedMeeting(Output):
    meeting_id = fields.String()
    table = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    published = fields.Boolean()
    participants = fields.List(fields.Nested(MarketParticipant))


class PlannedSlot(Output):
    slot = fields.Integer(metadata={"description": "The slot's number, from 0 in time order."})
    starts_at = EventTime()
    ends_at = EventTime()
    meetings = fields.List(fields.Nested(PlannedMeeting))


class TablePlan(Output):
    event_id = fields.String()
    title = fields.String()
    time_zone = fields.String()
    tables = fields.List(fields.String())
    schedule_published_at = Instant(allow_none=True)
    slots = fields.List(fields.Nested(PlannedSlot), metadata={
        "description": "Every slot of the market in time order, with its scheduled meetings by table."})
