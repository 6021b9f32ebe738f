"""Routes of the events service: programmes and their reports, events,
registrations, attendance, recordings, feedback and calendars."""
import json

from werkzeug.wrappers import Response

from gateway.calendars import calendar_id, calendar_response
from gateway.http import api
from gateway.routes import EXPORTERS
from nabo_common.api.errors import BadInput
from nabo_common.api.pagination import page_schema
from contracts.api import events as s

EXPORTERS.append("events")
PUBLIC_IF_PUBLISHED = "Anonymous callers see published public events only."
CALENDAR_ERRORS = (401, 404)
FEED_NAME = ("The feed is named after the association or network in the caller's language (Accept-Language); "
             "an id that is not a UUID, or names nothing the caller may see, is 404.")
CONDITIONAL = ("Answers carry ETag and Last-Modified; If-None-Match or If-Modified-Since that still match "
               "answer 304 Not Modified without a body.")


def csv_import_payload(request):
    """A participant list sent as text/csv, or as JSON {"csv": "..."}."""
    raw = request.get_data(cache=True)
    if request.mimetype == "text/csv":
        try:
            return {"csv": raw.decode("utf-8-sig")}
        except UnicodeDecodeError:
            raise BadInput("The CSV must be UTF-8 text.") from None
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadInput("Send text/csv, or JSON of the form {\"csv\": \"...\"}.") from None


class EventsRoutes:
    # --- programmes -------------------------------------------------------------
    @api("GET", "/v1/programmes", query=s.ProgrammeQuery, response=page_schema(s.Programme), tags=("programmes",),
         summary="List the programmes of the associations you administer.")
    def search_programmes(self, request):
        return self.events.search_programmes(request.query)

    @api("POST", "/v1/programmes", body=s.ProgrammeCreate, response=s.Programme, status=201, tags=("programmes",),
         rate_limit="write", summary="Set up a funded programme (series of events) with its granted budget.")
    def create_programme(self, request):
        return self.events.create_programme(request.payload)

    @api("GET", "/v1/programmes/{id}", response=s.Programme, tags=("programmes",),
         summary="One programme with its budget granted, used and remaining.")
    def get_programme(self, request, id):
        return self.events.get_programme(id)

    @api("PATCH", "/v1/programmes/{id}", body=s.ProgrammeUpdate, response=s.Programme, tags=("programmes",),
         rate_limit="write", summary="Change a programme.")
    def update_programme(self, request, id):
        return self.events.update_programme(id, request.payload)

    @api("GET", "/v1/programmes/{id}/costs", tags=("programmes",), summary="A programme's cost lines and budget.")
    def list_programme_costs(self, request, id):
        return self.events.list_programme_costs(id)

    @api("POST", "/v1/programmes/{id}/costs", body=s.CostCreate, response=s.Programme, status=201,
         tags=("programmes",), rate_limit="write", summary="Add a cost line (date, description, amount).")
    def add_programme_cost(self, request, id):
        return self.events.add_programme_cost(id, request.payload)

    @api("GET", "/v1/programmes/{id}/report", query=s.ReportQuery, tags=("programmes",),
         produces=("application/json", "text/csv"),
         summary="The programme's final report: every event, attendance, channels, recordings, "
                 "feedback, budget.",
         description="format=csv (or Accept: text/csv) gives one CSV row per event, "
                     "a total row and the budget.")
    def programme_report(self, request, id):
        wants_csv = request.query.get("format") == "csv" or (
            "format" not in request.query and request.accept_mimetypes.best == "text/csv")
        if wants_csv:
            return Response(self.events.programme_report_csv(id), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="programme-{id}-report.csv"'})
        return self.events.programme_report(id)

    # --- events -------------------------------------------------------------------
    @api("GET", "/v1/events", auth="optional", query=s.EventQuery, response=page_schema(s.Event), tags=("events",),
         summary="Search events: upcoming or past, association, network, theme, format, language, "
                 "text, dates.",
         description=PUBLIC_IF_PUBLISHED)
    def search_events(self, request):
        return self.events.search_events(request.query)

    @api("POST", "/v1/events", body=s.EventCreate, response=s.Event, status=201, tags=("events",),
         rate_limit="write", summary="Create an event (draft) for one or more organising associations.")
    def create_event(self, request):
        return self.events.create_event(request.payload)

    @api("GET", "/v1/events/{id}", auth="optional", response=s.Event, tags=("events",), summary="One event.",
         description=PUBLIC_IF_PUBLISHED + " The join link is hidden from people not registered when the "
                                           "organiser chose join_url_visibility=registrants.")
    def get_event(self, request, id):
        return self.events.get_event(id)

    @api("PATCH", "/v1/events/{id}", body=s.EventUpdate, response=s.Event, tags=("events",), rate_limit="write",
         errors=(400, 401, 403, 404, 409, 422), summary="Change an event; published changes become event.updated.")
    def update_event(self, request, id):
        return self.events.update_event(id, request.payload)

    @api("POST", "/v1/events/{id}/transitions", body=s.EventTransition, response=s.Event, tags=("events",),
         rate_limit="write", errors=(400, 401, 403, 404, 409, 422),
         summary="Publish, cancel or complete an event.")
    def transition_event(self, request, id):
        return self.events.transition_event(id, request.payload)

    @api("POST", "/v1/events/{id}/recording", body=s.RecordingPublish, response=s.Event, tags=("events",),
         rate_limit="write", errors=(400, 401, 403, 404, 409, 422),
         summary="Publish the recording's link after the event (registrants and the network are told).")
    def publish_recording(self, request, id):
        return self.events.publish_recording(id, request.payload)

    # --- registrations --------------------------------------------------------------
    @api("GET", "/v1/events/{id}/registrations", query=s.RegistrationQuery, response=page_schema(s.Registration),
         tags=("registrations",), summary="An event's registrations and waitlist (organisers).")
    def list_registrations(self, request, id):
        return self.events.list_registrations(id, request.query)

    @api("POST", "/v1/events/{id}/registrations", auth="optional", body=s.RegistrationCreate,
         query=s.RegistrationLink, response=s.Registration, status=201, tags=("registrations",),
         rate_limit="registration", errors=(400, 403, 404, 409, 422),
         summary="Register yourself, a guest (name and e-mail, no account) or, as organiser, a member person.",
         description="When the event is full the registration is waitlisted. "
                     "channel and campaign in the query string (from the link that brought the person) "
                     "record the source channel. "
                     "Limited per client (REGISTRATION_RATE_LIMIT) on top of the write limit.")
    def register(self, request, id):
        return self.events.register(id, request.payload, request.query)

    @api("GET", "/v1/registrations/{id}", response=s.Registration, tags=("registrations",),
         summary="One registration (the registrant or the organisers).")
    def get_registration(self, request, id):
        return self.events.get_registration(id)

    @api("PATCH", "/v1/registrations/{id}", body=s.RegistrationUpdate, response=s.Registration,
         tags=("registrations",), rate_limit="write", errors=(400, 401, 404, 409, 422),
         summary="Change answers or cancel (status=cancelled); a freed seat goes to the first waitlisted.")
    def update_registration(self, request, id):
        return self.events.update_registration(id, request.payload)

    @api("DELETE", "/v1/registrations/{id}", response=s.Registration, tags=("registrations",), rate_limit="write",
         errors=(401, 404, 409), summary="Cancel a registration.")
    def cancel_registration(self, request, id):
        return self.events.cancel_registration(id)

    # --- attendance, feedback ------------------------------------------------------------
    @api("GET", "/v1/events/{id}/attendance", response=s.AttendanceSummary, tags=("attendance",),
         summary="Who attended: registered, walk-ins, online joins, anonymous counts and no-shows.")
    def get_attendance(self, request, id):
        return self.events.get_attendance(id)

    @api("POST", "/v1/events/{id}/attendance", body=s.AttendanceCreate, response=s.AttendanceSummary, status=201,
         tags=("attendance",), rate_limit="write", errors=(400, 401, 403, 404, 409, 422),
         summary="Check in a registration, record a named walk-in, or count anonymous walk-ins.")
    def record_attendance(self, request, id):
        return self.events.record_attendance(id, request.payload)

    @api("POST", "/v1/events/{id}/attendance/import", response=s.ImportResult, tags=("attendance",),
         rate_limit="write", errors=(400, 401, 403, 404, 409, 422),
         summary="Import a meeting platform's participant list (text/csv, or JSON {\"csv\": ...}).",
         description="Columns: name and/or email, optionally joined_at and duration_minutes (common export "
                     "headers such as 'User Email' and 'Join Time' are understood). People matching a "
                     "registration by e-mail count as registered attendees, others as walk-ins; repeated joins "
                     "count once. Bad rows give 422 with errors per line number and nothing is imported.")
    def import_attendance(self, request, id):
        return self.events.import_attendance(id, csv_import_payload(request))

    @api("GET", "/v1/events/{id}/feedback", auth="optional", response=s.FeedbackSummary, tags=("feedback",),
         summary="Feedback summary (count, average, distribution); organisers also see the comments.")
    def feedback_summary(self, request, id):
        return self.events.feedback_summary(id)

    @api("POST", "/v1/events/{id}/feedback", body=s.FeedbackCreate, response=s.FeedbackOut, status=201,
         tags=("feedback",), rate_limit="write", errors=(400, 401, 403, 404, 409, 422),
         summary="Rate an event you attended (1-5) with a comment; organisers may record it for an attendee.")
    def give_feedback(self, request, id):
        return self.events.give_feedback(id, request.payload)

    # --- calendars --------------------------------------------------------------------------
    @api("GET", "/v1/events/{id}/calendar.ics", auth="optional", tags=("calendars",), produces=("text/calendar",),
         errors=CALENDAR_ERRORS, summary="The event as iCalendar (RFC 5545).", description=CONDITIONAL)
    def event_calendar(self, request, id):
        return calendar_response(request, self.events.event_calendar(calendar_id(id, "Event")))

    @api("GET", "/v1/associations/{id}/calendar.ics", auth="optional", tags=("calendars",),
         produces=("text/calendar",), errors=CALENDAR_ERRORS, summary="Calendar feed of an association's events.",
         description=f"{PUBLIC_IF_PUBLISHED} {FEED_NAME} {CONDITIONAL}")
    def association_calendar(self, request, id):
        return calendar_response(request, self.events.association_calendar(calendar_id(id, "Association")))

    @api("GET", "/v1/networks/{id}/calendar.ics", auth="optional", tags=("calendars",),
         produces=("text/calendar",), errors=CALENDAR_ERRORS, summary="Calendar feed of a network's events.",
         description=f"{PUBLIC_IF_PUBLISHED} {FEED_NAME} {CONDITIONAL}")
    def network_calendar(self, request, id):
        return calendar_response(request, self.events.network_calendar(calendar_id(id, "Network")))
