"""Events API: programmes with budgets and costs, events, registrations,
attendance, recordings, feedback and reports."""
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from contracts.api.common import (
    EventTime,
    Id,
    Input,
    Instant,
    Language,
    Output,
    Pattern,
    Text,
    TimeZone,
    WebAddress,
    none_of,
    theme_id_example,
    together,
    violations,
    where,
    without,
)
from nabo_common.api.pagination import PageQuery

FORMATS = ("online", "in_person", "hybrid")
EVENT_STATUSES = ("draft", "published", "cancelled", "completed")
VISIBILITIES = ("public", "members")
JOIN_URL_VISIBILITIES = ("public", "registrants")
PERSON_ROLES = ("speaker", "facilitator", "technical_support", "host_company")
SOURCE_CHANNELS = (
    "newsletter",
    "email",
    "linkedin",
    "facebook",
    "direct_mail",
    "website",
    "network",
    "other",
)
REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
ATTENDANCE_KINDS = ("check_in", "walk_in", "online", "anonymous")
CURRENCY = Pattern(r"^[A-Z]{3}$", error="Use an ISO 4217 code such as DKK or EUR.")
MINOR_UNITS = validate.Range(min=0, max=10**13)
THEME = fields.String(
    validate=[validate.Length(min=1, max=100), Pattern(r"^[^|\n]+$", error="A theme is one line of text.")]
)
OFFSET_MINUTES = validate.Range(min=1, max=60 * 24 * 60)
CAMPAIGN_CODE = Pattern(r"^[A-Za-z0-9._\-]{1,80}$", error="Letters, digits, dots, dashes and underscores.")
MAX_QUESTIONS = 20
# a registration answers the event's questions: one entry per question at most
ANSWERS = lambda **kw: fields.Dict(
    keys=fields.String(validate=validate.Length(max=40)),  # noqa: E731
    values=fields.String(validate=validate.Length(max=2000)),
    validate=validate.Length(max=MAX_QUESTIONS),
    **kw,
)
URL = lambda **kw: WebAddress(schemes={"http", "https"}, validate=validate.Length(max=500), **kw)  # noqa: E731


def _ordered(data, start, end, message):
    if data.get(start) and data.get(end) and data[end] < data[start]:
        raise ValidationError(message, end)


# --- programmes -----------------------------------------------------------------

ORGANISERS = (
    "Organising associations; defaults to the one you administer. Those you do not administer are "
    "invited and co-organise once one of their admins accepts (see /v1/co-host-invitations)."
)


class ProgrammeCreate(Input):
    association_ids = fields.List(
        Id(), validate=validate.Length(min=1, max=10), metadata={"description": ORGANISERS}
    )
    partner_organisation_ids = fields.List(Id(), validate=validate.Length(max=50), load_default=list)
    title = Text(200, required=True)
    goal = fields.String(validate=validate.Length(max=5000))
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    planned_events = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    budget_amount_minor = fields.Integer(
        required=True,
        strict=True,
        validate=MINOR_UNITS,
        metadata={"description": "Granted budget in minor units (øre, cent)."},
    )
    currency = fields.String(required=True, validate=CURRENCY)

    @validates_schema
    def period_in_order(self, data, **kwargs):
        _ordered(data, "period_start", "period_end", "period_end must not be before period_start.")


class ProgrammeUpdate(Input):
    partner_organisation_ids = fields.List(Id(), validate=validate.Length(max=50))
    title = Text(200)
    goal = fields.String(allow_none=True, validate=validate.Length(max=5000))
    period_start = fields.Date()
    period_end = fields.Date()
    planned_events = fields.Integer(validate=validate.Range(min=0, max=10_000))
    budget_amount_minor = fields.Integer(strict=True, validate=MINOR_UNITS)

    @validates_schema
    def period_in_order(self, data, **kwargs):
        _ordered(data, "period_start", "period_end", "period_end must not be before period_start.")


class CostCreate(Input):
    date = fields.Date(required=True)
    description = Text(500, required=True)
    amount_minor = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=-(10**13), max=10**13),
        metadata={"description": "In the programme's currency; negative for refunds."},
    )


class Cost(Output):
    id = fields.String()
    date = fields.Date()
    description = fields.String()
    amount_minor = fields.Integer()
    created_at = Instant()


class Budget(Output):
    currency = fields.String()
    granted_minor = fields.Integer()
    used_minor = fields.Integer()
    remaining_minor = fields.Integer()


class Programme(Output):
    id = fields.String()
    association_ids = fields.List(fields.String())
    partner_organisation_ids = fields.List(fields.String())
    title = fields.String()
    goal = fields.String(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    planned_events = fields.Integer()
    budget = fields.Nested(Budget)
    costs = fields.List(fields.Nested(Cost))
    created_at = Instant()
    updated_at = Instant()


class ProgrammeQuery(PageQuery):
    association_id = Id()


class ReportQuery(Input):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv", "html"]),
        metadata={"description": "json, csv or html (printable); otherwise chosen from the Accept header."},
    )


class SummaryQuery(Input):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "html"]),
        metadata={"description": "json or html (printable); otherwise chosen from the Accept header."},
    )


# --- co-hosting -------------------------------------------------------------------

CO_HOST_DECISIONS = ("approved", "declined")
INVITATION_STATUSES = ("pending",) + CO_HOST_DECISIONS


class CoHostDecision(Input):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(CO_HOST_DECISIONS),
        metadata={"description": "approved makes the association a co-organiser."},
    )


class CoHostInvitation(Output):
    resource = fields.String(metadata={"description": "event or programme."})
    resource_id = fields.String()
    title = fields.String()
    starts_at = EventTime(
        allow_none=True, metadata={"description": "An event's start; null for a programme."}
    )
    time_zone = fields.String(
        allow_none=True, metadata={"description": "The event's IANA time zone; null for a programme."}
    )
    association_id = fields.String(metadata={"description": "The association asked to co-organise."})
    host_association_ids = fields.List(
        fields.String(), metadata={"description": "The associations organising it."}
    )
    invited_by = fields.String(allow_none=True, metadata={"description": "The inviting admin's person id."})
    status = fields.String(metadata={"description": "pending, or the decision: approved or declined."})
    created_at = Instant()


class CoHostInvitationQuery(PageQuery):
    association_id = Id(metadata={"description": "Only invitations to or from this association."})


# --- events ---------------------------------------------------------------------


class EventPerson(Input):
    role = fields.String(required=True, validate=validate.OneOf(PERSON_ROLES))
    person_id = Id(allow_none=True)
    organisation_id = Id(allow_none=True)
    name = Text(200)

    @validates_schema
    def someone(self, data, **kwargs):
        if not (data.get("person_id") or data.get("organisation_id") or data.get("name")):
            raise ValidationError("Give a person_id, an organisation_id or a name.", "name")
        if data["role"] == "host_company" and not data.get("organisation_id"):
            raise ValidationError(
                "A host company is an organisation: give organisation_id.", "organisation_id"
            )


class Question(Input):
    id = fields.String(
        required=True,
        validate=Pattern(r"^[a-z0-9_]{1,40}$", error="Lower-case letters, digits and underscores."),
    )
    text = Text(500, required=True)
    required = fields.Boolean(load_default=False)


class Venue(Input):
    address = Text(500)
    host_organisation_id = Id(
        metadata={"description": "The event takes place at this organisation's premises."}
    )


# an event's moments are sent with any offset and stored in UTC; they come back in the event's time zone.
# The examples are in order, as the rules between the fields (which JSON Schema cannot state) want them.
_SENT = "RFC 3339 with an offset (any zone); it comes back in the event's time_zone."
START = {"description": _SENT, "example": "2031-03-20T16:00:00+01:00"}
END = {"description": f"After starts_at. {_SENT}", "example": "2031-03-20T17:30:00+01:00"}
OPENS = {"description": f"Before ends_at (also after a PATCH); null: open once published. {_SENT}",
         "example": "2031-02-01T09:00:00+01:00"}
CLOSES = {
    "description": f"After registration_opens_at and no later than ends_at (also after a PATCH); null: at "
                   f"the end of the event. {_SENT}",
    "example": "2031-03-20T12:00:00+01:00",
}


class EventFields(Input):
    title = Text(200)
    description = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    themes = fields.List(THEME, validate=validate.Length(max=20), metadata=theme_id_example(
        {"description": "Theme ids of the taxonomy (GET /v1/themes), shown in the reader's language, or "
                        "free labels."}, many=True))
    languages = fields.List(fields.String(validate=Language), validate=validate.Length(min=1, max=5))
    format = fields.String(validate=validate.OneOf(FORMATS))
    starts_at = fields.AwareDateTime(metadata=START)
    ends_at = fields.AwareDateTime(metadata=END)
    time_zone = fields.String(validate=TimeZone, metadata={"description": "IANA zone the event is held in."})
    venue = fields.Nested(
        Venue,
        allow_none=True,
        metadata={"description": "Where it takes place: in_person and hybrid events need an address or a "
                                 "host_organisation_id (also after a PATCH)."},
    )
    join_url = URL(allow_none=True)
    join_url_visibility = fields.String(
        validate=validate.OneOf(JOIN_URL_VISIBILITIES),
        metadata={"description": "registrants: only registered people see the link."},
    )
    capacity = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "Seats; null means unlimited."},
    )
    registration_opens_at = fields.AwareDateTime(allow_none=True, metadata=OPENS)
    registration_closes_at = fields.AwareDateTime(allow_none=True, metadata=CLOSES)
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))
    network_id = Id(allow_none=True)
    programme_id = Id(allow_none=True)
    people = fields.List(fields.Nested(EventPerson), validate=validate.Length(max=50))
    questions = fields.List(
        fields.Nested(Question),
        validate=validate.Length(max=MAX_QUESTIONS),
        metadata={"description": "Each question's id once."},
    )
    reminder_offsets = fields.List(
        fields.Integer(validate=OFFSET_MINUTES),
        validate=validate.Length(max=5),
        metadata={"description": "Minutes before the start, e.g. [1440, 60]."},
    )

    @validates_schema
    def consistent(self, data, **kwargs):
        _ordered(data, "starts_at", "ends_at", "ends_at must be after starts_at.")
        _ordered(
            data,
            "registration_opens_at",
            "registration_closes_at",
            "registration_closes_at must be after registration_opens_at.",
        )
        questions = [q["id"] for q in data.get("questions") or []]
        if len(questions) != len(set(questions)):
            raise ValidationError("Question ids must be unique.", "questions")


class EventCreate(EventFields):
    # in person and hybrid events take place somewhere (JSON Schema cannot say that ends_at is after
    # starts_at, nor registration_closes_at after registration_opens_at: see the fields)
    json_schema = violations(
        where("format", ["in_person", "hybrid"], anyOf=[
            {"not": {"required": ["venue"]}},
            {"properties": {"venue": {"enum": [None]}}},
            {"properties": {"venue": none_of("address", "host_organisation_id")}},
        ]),
    )
    association_ids = fields.List(
        Id(), validate=validate.Length(min=1, max=10), metadata={"description": ORGANISERS}
    )
    title = Text(200, required=True)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    starts_at = fields.AwareDateTime(required=True, metadata=START)
    ends_at = fields.AwareDateTime(required=True, metadata=END)
    time_zone = fields.String(required=True, validate=TimeZone)
    languages = fields.List(
        fields.String(validate=Language), required=True, validate=validate.Length(min=1, max=5)
    )


class EventUpdate(EventFields):
    # a change to in person or hybrid that also takes the venue away (whether the stored venue is enough
    # when the body names none is the event's state)
    json_schema = violations(
        where("format", ["in_person", "hybrid"], required=["venue"], anyOf=[
            {"properties": {"venue": {"enum": [None]}}},
            {"properties": {"venue": none_of("address", "host_organisation_id")}},
        ]),
    )


class EventTransition(Input):
    to = fields.String(required=True, validate=validate.OneOf(["published", "cancelled", "completed"]))
    reason = fields.String(
        validate=validate.Length(max=500), metadata={"description": "Why it was cancelled."}
    )


class EventRole(Output):
    role = fields.String()
    person_id = fields.String(allow_none=True)
    organisation_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class VenueOut(Output):
    address = fields.String(allow_none=True)
    host_organisation_id = fields.String(allow_none=True)
    host_organisation_name = fields.String(
        allow_none=True, metadata={"description": "The host company's name: as you may see the company, "
                                   "else as the organiser named it when choosing the venue."})


class QuestionOut(Output):
    id = fields.String()
    text = fields.String()
    required = fields.Boolean()


class Seats(Output):
    capacity = fields.Integer(allow_none=True)
    confirmed = fields.Integer()
    waitlisted = fields.Integer()
    available = fields.Integer(allow_none=True)


class Event(Output):
    id = fields.String()
    association_ids = fields.List(fields.String())
    network_id = fields.String(allow_none=True)
    programme_id = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    themes = fields.List(fields.String())
    languages = fields.List(fields.String())
    format = fields.String()
    starts_at = EventTime()
    ends_at = EventTime()
    time_zone = fields.String()
    local_start = fields.String(metadata={"description": "Start in the event's time zone."})
    venue = fields.Nested(VenueOut, allow_none=True)
    join_url = fields.String(allow_none=True, metadata={"description": "Null when hidden from you."})
    join_url_visibility = fields.String()
    join_url_hidden = fields.Boolean()
    registration_opens_at = EventTime(allow_none=True)
    registration_closes_at = EventTime(allow_none=True)
    registration_open = fields.Boolean()
    seats = fields.Nested(Seats)
    status = fields.String()
    visibility = fields.String()
    people = fields.List(fields.Nested(EventRole))
    questions = fields.List(fields.Nested(QuestionOut))
    reminder_offsets = fields.List(fields.Integer())
    sequence = fields.Integer()
    published_at = Instant(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    recording_url = fields.String(allow_none=True)
    recording_published_at = Instant(allow_none=True)
    created_at = Instant()
    updated_at = Instant()


class EventQuery(PageQuery):
    when = fields.String(validate=validate.OneOf(["upcoming", "past", "all"]), load_default="all")
    association_id = Id()
    network_id = Id()
    programme_id = Id()
    theme = THEME
    format = fields.String(validate=validate.OneOf(FORMATS))
    language = fields.String(validate=Language)
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES))
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Text in title or description."}
    )
    starts_from = fields.AwareDateTime(
        data_key="from", metadata={"description": "Starting at or after (ISO 8601)."}
    )
    starts_to = fields.AwareDateTime(data_key="to", metadata={"description": "Starting before (ISO 8601)."})

    @validates_schema
    def range_in_order(self, data, **kwargs):
        _ordered(data, "starts_from", "starts_to", "'to' must not be before 'from'.")


# --- registrations ---------------------------------------------------------------

# registrations one bulk call or CSV import makes at most
MAX_BULK_REGISTRATIONS = 1000


class RegistrationCreate(Input):
    person_id = Id(
        allow_none=True,
        metadata={
            "description": "Organisers register a person of the association (or null for a guest). Left "
                           "out, a "
            "signed-in caller registers themself, or a guest when name and e-mail are not theirs."
        },
    )
    name = Text(200, metadata={"description": "A guest's name; a person registers under their own."})
    email = fields.Email(
        validate=validate.Length(max=320),
        metadata={
            "description": "A guest's address. A person registers under their own; another one is refused."
        },
    )
    language = fields.String(
        validate=Language, metadata={"description": "Defaults to the person's, else en."}
    )
    answers = ANSWERS(load_default=dict)
    source_channel = fields.String(validate=validate.OneOf(SOURCE_CHANNELS))
    campaign_code = fields.String(validate=CAMPAIGN_CODE)


class BulkRegistration(RegistrationCreate):
    """An entry of a bulk registration names a person, or a guest by name and e-mail."""

    json_schema = violations({"not": {"anyOf": [
        {"required": ["person_id"], "properties": {"person_id": {"type": "string"}}},
        together("name", "email"),
    ]}})


class BulkRegistrationCreate(Input):
    registrations = fields.List(
        fields.Nested(BulkRegistration),
        required=True,
        validate=validate.Length(min=1, max=MAX_BULK_REGISTRATIONS),
        metadata={
            "description": "Each entry as for a single registration, naming a person_id or a guest's name "
                           "and "
            "e-mail (the address of a person of the association registers that person)."
        },
    )


class RegistrationImport(Input):
    csv = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200_000),
        metadata={
            "description": "A header row naming name, email and optionally language, person_id, "
                           "source_channel "
            "and campaign_code; one registration per line."
        },
    )


class RegistrationLink(Input):
    """Link parameters of the sign-up page: which channel and campaign brought the person. Campaign mails
    tag their links with source_channel and campaign_code; channel and campaign are short forms."""

    source_channel = fields.String(validate=validate.OneOf(SOURCE_CHANNELS))
    campaign_code = fields.String(validate=CAMPAIGN_CODE)
    channel = fields.String(validate=validate.OneOf(SOURCE_CHANNELS))
    campaign = fields.String(validate=CAMPAIGN_CODE)


class RegistrationUpdate(Input):
    status = fields.String(
        validate=validate.OneOf(["cancelled"]),
        metadata={"description": "Set to cancelled to cancel; the first waitlisted is promoted."},
    )
    name = Text(200)
    language = fields.String(validate=Language)
    answers = ANSWERS()


class Registration(Output):
    id = fields.String()
    event_id = fields.String()
    person_id = fields.String(allow_none=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    language = fields.String()
    status = fields.String()
    waitlist_position = fields.Integer(allow_none=True)
    answers = fields.Dict()
    source_channel = fields.String()
    campaign_code = fields.String(allow_none=True)
    attended = fields.Boolean()
    join_url = fields.String(allow_none=True)
    promoted_at = Instant(allow_none=True)
    cancelled_at = Instant(allow_none=True)
    created_at = Instant()


class BulkRegistrationResult(Output):
    registered = fields.Integer()
    confirmed = fields.Integer()
    waitlisted = fields.Integer()
    items = fields.List(fields.Nested(Registration))


class RegistrationQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(REGISTRATION_STATUSES))


# --- attendance, recording, feedback ------------------------------------------------


KINDS = ("registration_id", "name", "anonymous_count")


class AttendanceCreate(Input):
    # one kind of attendance a call, and an e-mail only with a named walk-in (see one_kind)
    json_schema = violations(
        none_of(*KINDS), together("registration_id", "name"), together("registration_id", "anonymous_count"),
        together("name", "anonymous_count"), without("email", "name"),
    )
    registration_id = Id(metadata={"description": "Check in a registered person."})
    name = Text(200, metadata={"description": "A named walk-in."})
    email = fields.Email(validate=validate.Length(max=320))
    anonymous_count = fields.Integer(
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "Walk-ins counted without names."},
    )
    source_channel = fields.String(validate=validate.OneOf(SOURCE_CHANNELS))

    @validates_schema
    def one_kind(self, data, **kwargs):
        given = [k for k in ("registration_id", "name", "anonymous_count") if data.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("Give exactly one of registration_id, name or anonymous_count.", "_schema")
        if data.get("email") and not data.get("name"):
            raise ValidationError("An e-mail goes with a named walk-in.", "email")


class AttendanceImport(Input):
    csv = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200_000),
        metadata={
            "description": "The meeting platform's participant list: a header row with name and email, "
            "optionally joined_at (ISO 8601) and duration_minutes."
        },
    )


class Attendance(Output):
    id = fields.String()
    event_id = fields.String()
    registration_id = fields.String(allow_none=True)
    person_id = fields.String(allow_none=True)
    kind = fields.String()
    name = fields.String(allow_none=True)
    headcount = fields.Integer()
    source_channel = fields.String(allow_none=True)
    joined_at = Instant(allow_none=True)
    duration_minutes = fields.Integer(allow_none=True)
    created_at = Instant()


class AttendanceSummary(Output):
    attendees = fields.Integer()
    registered_attendees = fields.Integer()
    walk_ins = fields.Integer()
    online_joins = fields.Integer()
    anonymous = fields.Integer()
    registrations = fields.Integer()
    no_shows = fields.Integer()
    items = fields.List(fields.Nested(Attendance))


class ImportResult(Output):
    rows = fields.Integer()
    matched_registrations = fields.Integer()
    added_walk_ins = fields.Integer()
    duplicates = fields.Integer()
    summary = fields.Nested(AttendanceSummary)


class RecordingPublish(Input):
    recording_url = URL(required=True)


class FeedbackCreate(Input):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=validate.Length(max=5000))
    attendance_id = Id(metadata={"description": "Organisers record feedback collected from an attendee."})


class FeedbackOut(Output):
    id = fields.String()
    attendance_id = fields.String()
    rating = fields.Integer()
    comment = fields.String(allow_none=True)
    created_at = Instant()


class FeedbackSummary(Output):
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer())
    comments = fields.List(fields.Nested(FeedbackOut))


class CalendarFeedQuery(Input):
    """Calendar clients may add parameters of their own: those are ignored, as before the token."""

    class Meta(Input.Meta):
        unknown = EXCLUDE

    token = fields.String(
        validate=[validate.Length(min=20, max=200), validate.Regexp(r"^[A-Za-z0-9_-]+$")],
        metadata={
            "description": (
                "A calendar feed token (POST /v1/me/calendar-token) for calendar clients that "
                "cannot send a bearer token: the feed then shows what its person may see. Not "
                "with a bearer token."
            )
        },
    )
