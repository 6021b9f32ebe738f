"""Routes of the events service: programmes and their reports, events,
registrations, attendance, recordings, feedback and calendars."""
from werkzeug.wrappers import Response

from contracts.api import events as s
from contracts.api import notifications as notification_schemas
from gateway.calendars import calendar_id, calendar_response, read_as_token_holder
from gateway.documents import chosen_format, document_response
from gateway.http import api, json_text
from gateway.parsing import csv_import_payload
from gateway.registration_links import follow
from gateway.routes import EXPORTERS
from gateway.routes.notifications import FORMS, html_page
from nabo_common.api.pagination import page_schema

EXPORTERS.append("events")
PUBLIC_IF_PUBLISHED = "Anonymous callers see published public events only."
CALENDAR_ERRORS = (400, 401, 404, 422)
FEED_NAME = ("The feed is named after the association or network in the caller's language (Accept-Language); "
             "an id that is not a UUID, or names nothing the caller may see, is 404.")
CONDITIONAL = ("Answers carry ETag and Last-Modified; If-None-Match or If-Modified-Since that still match "
               "answer 304 Not Modified without a body.")
FEED_TOKEN = ("With ?token= (a calendar feed token from POST /v1/me/calendar-token) the feed shows what "
              "the token's person may see, as Cache-Control: private; a token that is not valid, or was "
              "replaced or revoked, is 401.")
CO_HOSTING = ("An association named in association_ids that you do not administer is invited "
              "(event.co_host_invited or programme.co_host_invited) and co-organises only once one of its "
              "admins approves; until then nothing of it shows in that association's listings or calendar "
              "feed. Declining removes the invitation.")

REPORT_MEDIA = {"application/json": "json", "text/csv": "csv", "text/html": "html"}
SUMMARY_MEDIA = {"application/json": "json", "text/html": "html"}
PRINTABLE = ("format=html (or Accept: text/html) gives a printable page in the caller's language "
             "(Accept-Language: da, nl, de, sv or en), dates and amounts written the reader's way, with "
             "charts drawn as SVG that read in black and white.")

BULK_RULES = ("Each entry follows the rules of a single registration (capacity and waitlist, answers, one "
              "active registration per person or address; a person's address registers that person) and is "
              "announced as one; when any entry is refused nothing is registered (422).")


class EventsRoutes:
    # --- programmes -------------------------------------------------------------
    @api(
        "GET",
        "/v1/programmes",
        query=s.ProgrammeQuery,
        response=page_schema(s.Programme),
        tags=("programmes",),
        summary="List the programmes of the associations you administer.",
    )
    def search_programmes(self, request):
        return self.events.search_programmes(request.query)

    @api(
        "POST",
        "/v1/programmes",
        body=s.ProgrammeCreate,
        response=s.Programme,
        status=201,
        tags=("programmes",),
        rate_limit="write",
        summary="Set up a funded programme (series of events) with its granted budget.",
    )
    def create_programme(self, request):
        return self.events.create_programme(request.payload)

    @api(
        "GET",
        "/v1/programmes/{id}",
        response=s.Programme,
        tags=("programmes",),
        summary="One programme with its budget granted, used and remaining.",
    )
    def get_programme(self, request, id):
        return self.events.get_programme(id)

    @api(
        "PATCH",
        "/v1/programmes/{id}",
        body=s.ProgrammeUpdate,
        response=s.Programme,
        tags=("programmes",),
        rate_limit="write",
        summary="Change a programme.",
    )
    def update_programme(self, request, id):
        return self.events.update_programme(id, request.payload)

    @api(
        "GET",
        "/v1/programmes/{id}/costs",
        tags=("programmes",),
        summary="A programme's cost lines and budget.",
    )
    def list_programme_costs(self, request, id):
        return self.events.list_programme_costs(id)

    @api(
        "POST",
        "/v1/programmes/{id}/costs",
        body=s.CostCreate,
        response=s.Programme,
        status=201,
        tags=("programmes",),
        rate_limit="write",
        summary="Add a cost line (date, description, amount).",
    )
    def add_programme_cost(self, request, id):
        return self.events.add_programme_cost(id, request.payload)

    @api(
        "GET",
        "/v1/programmes/{id}/report",
        query=s.ReportQuery,
        tags=("programmes",),
        produces=tuple(REPORT_MEDIA),
        summary="The programme's final report: every event, attendance, channels, recordings, feedback, "
                "budget.",
        description="format=csv (or Accept: text/csv) gives one CSV row per event, a total row and the "
                    "budget (amounts in minor units, as in JSON). " + PRINTABLE + " Its charts: "
                    "attendance per meeting; registrations, attendance and no-shows per meeting; the "
                    "channels that brought people; the budget granted, used and remaining.",
        localised=True,
    )
    def programme_report(self, request, id):
        wanted = chosen_format(request, REPORT_MEDIA)
        if wanted == "csv":
            return Response(
                self.events.programme_report_csv(id),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="programme-{id}-report.csv"'},
            )
        if wanted == "html":
            return document_response(self.events.programme_report_page(id), request.caller.language)
        return self.events.programme_report(id)

    @api(
        "POST",
        "/v1/programmes/{id}/co-hosts/{association_id}/decision",
        body=s.CoHostDecision,
        response=s.CoHostInvitation,
        tags=("programmes",),
        rate_limit="write",
        summary="Accept or decline co-organising a programme (the invited association's admin).",
        description=CO_HOSTING,
    )
    def decide_programme_co_host(self, request, id, association_id):
        return self.events.decide_programme_co_host(id, association_id, request.payload)

    @api(
        "GET",
        "/v1/co-host-invitations",
        query=s.CoHostInvitationQuery,
        response=page_schema(s.CoHostInvitation),
        tags=("events", "programmes"),
        summary="Pending invitations to co-organise an event or programme, to or from your associations.",
        description=CO_HOSTING,
    )
    def search_co_host_invitations(self, request):
        return self.events.search_co_host_invitations(request.query)

    # --- events -------------------------------------------------------------------
    @api(
        "GET",
        "/v1/events",
        auth="optional",
        query=s.EventQuery,
        response=page_schema(s.Event),
        tags=("events",),
        summary="Search events: upcoming or past, association, network, theme, format, language, text, "
                "dates.",
        description=PUBLIC_IF_PUBLISHED,
        localised=True,
    )
    def search_events(self, request):
        return json_text(self.events.search_events_json(request.query))

    @api(
        "POST",
        "/v1/events",
        body=s.EventCreate,
        response=s.Event,
        status=201,
        tags=("events",),
        rate_limit="write",
        summary="Create an event (draft) for one or more organising associations.",
        localised=True,
    )
    def create_event(self, request):
        return self.events.create_event(request.payload)

    @api(
        "GET",
        "/v1/events/{id}",
        auth="optional",
        response=s.Event,
        tags=("events",),
        summary="One event.",
        description=PUBLIC_IF_PUBLISHED + " The join link is hidden from people not registered when the "
        "organiser chose join_url_visibility=registrants.",
        localised=True,
    )
    def get_event(self, request, id):
        return json_text(self.events.get_event_json(id))

    @api(
        "PATCH",
        "/v1/events/{id}",
        body=s.EventUpdate,
        response=s.Event,
        tags=("events",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Change an event; published changes become event.updated.",
        localised=True,
    )
    def update_event(self, request, id):
        return self.events.update_event(id, request.payload)

    @api(
        "POST",
        "/v1/events/{id}/transitions",
        body=s.EventTransition,
        response=s.Event,
        tags=("events",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Publish, cancel or complete an event.",
        localised=True,
    )
    def transition_event(self, request, id):
        return self.events.transition_event(id, request.payload)

    @api(
        "POST",
        "/v1/events/{id}/co-hosts/{association_id}/decision",
        body=s.CoHostDecision,
        response=s.CoHostInvitation,
        tags=("events",),
        rate_limit="write",
        summary="Accept or decline co-hosting an event (the invited association's admin).",
        description=CO_HOSTING,
    )
    def decide_event_co_host(self, request, id, association_id):
        return self.events.decide_event_co_host(id, association_id, request.payload)

    @api(
        "POST",
        "/v1/events/{id}/recording",
        body=s.RecordingPublish,
        response=s.Event,
        tags=("events",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Publish the recording's link after the event (registrants and the network are told).",
    )
    def publish_recording(self, request, id):
        return self.events.publish_recording(id, request.payload)

    # --- registrations --------------------------------------------------------------
    @api(
        "GET",
        "/v1/events/{id}/registrations",
        query=s.RegistrationQuery,
        response=page_schema(s.Registration),
        tags=("registrations",),
        summary="An event's registrations and waitlist (organisers).",
    )
    def list_registrations(self, request, id):
        return self.events.list_registrations(id, request.query)

    @api(
        "POST",
        "/v1/events/{id}/registrations",
        auth="optional",
        body=s.RegistrationCreate,
        query=s.RegistrationLink,
        response=s.Registration,
        status=201,
        tags=("registrations",),
        rate_limit="registration",
        errors=(400, 403, 404, 409, 422),
        summary="Register yourself, a guest (name and e-mail, no account) or, as organiser, a member person.",
        description="When the event is full the registration is waitlisted. source_channel and campaign_code "
        "(or channel and campaign) in the query string, as campaign mails tag their links, record "
        "where the person came from. Limited per "
        "signed-in caller, or per client address for anonymous ones (REGISTRATION_RATE_LIMIT), on "
        "top of the write limit.",
    )
    def register(self, request, id):
        return self.events.register(id, request.payload, request.query)

    @api(
        "POST",
        "/v1/events/{id}/registrations/bulk",
        body=s.BulkRegistrationCreate,
        query=s.RegistrationLink,
        response=s.BulkRegistrationResult,
        status=201,
        tags=("registrations",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Register many people at once (organisers): all or nothing.",
        description=BULK_RULES + " Errors are keyed by the entry's index in registrations, then by field.",
    )
    def register_many(self, request, id):
        return self.events.register_many(id, request.payload, request.query)

    @api(
        "POST",
        "/v1/events/{id}/registrations/import",
        csv_body=s.RegistrationImport,
        query=s.RegistrationLink,
        response=s.BulkRegistrationResult,
        status=201,
        tags=("registrations",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary='Import registrations from a CSV table (text/csv, or JSON {"csv": ...}; organisers).',
        description="Columns: name, email, optionally language, person_id, source_channel and campaign_code. "
        + BULK_RULES
        + ' Errors are keyed by "line N" under csv, then by field.',
    )
    def import_registrations(self, request, id):
        return self.events.import_registrations(id, csv_import_payload(request), request.query)

    @api(
        "GET",
        "/v1/registrations/{id}",
        response=s.Registration,
        tags=("registrations",),
        summary="One registration (the registrant or the organisers).",
    )
    def get_registration(self, request, id):
        return self.events.get_registration(id)

    @api(
        "PATCH",
        "/v1/registrations/{id}",
        body=s.RegistrationUpdate,
        response=s.Registration,
        tags=("registrations",),
        rate_limit="write",
        errors=(400, 401, 404, 409, 422),
        summary="Change answers or cancel (status=cancelled); a freed seat goes to the first waitlisted.",
    )
    def update_registration(self, request, id):
        return self.events.update_registration(id, request.payload)

    @api(
        "DELETE",
        "/v1/registrations/{id}",
        response=s.Registration,
        tags=("registrations",),
        rate_limit="write",
        errors=(401, 404, 409),
        summary="Cancel a registration.",
    )
    def cancel_registration(self, request, id):
        return self.events.cancel_registration(id)

    # --- the cancel link of registration mail (no sign-in) -----------------------------------
    @api(
        "GET",
        "/v1/cancel-registration",
        auth="optional",
        link_page=True,
        query=notification_schemas.SignedLinkQuery,
        tags=("registrations",),
        produces=("text/html",),
        errors=(400, 404, 422, 429),
        rate_limit="write",
        summary="The page that confirms cancelling the registration named by the signed link of its mail.",
    )
    def registration_cancel_page(self, request):
        return html_page(follow(self, request, cancel=False)[1])

    @api(
        "POST",
        "/v1/cancel-registration",
        auth="optional",
        link_page=True,
        query=notification_schemas.SignedLinkQuery,
        response=notification_schemas.RegistrationCancelResult,
        tags=("registrations",),
        errors=(400, 404, 422, 429),
        rate_limit="write",
        summary="Cancel the registration named by the signed link (the page's form, or JSON).",
        description="Needs no sign-in: the link in every registration mail carries the token. A freed seat "
        "goes to the first waitlisted. A second cancel changes nothing and says so "
        "(already_cancelled). HTML for the page's form or Accept: text/html, else JSON.",
    )
    def cancel_registration_by_link(self, request):
        registration, page = follow(self, request, cancel=True)
        if request.mimetype in FORMS or "text/html" in request.headers.get("Accept", ""):
            return html_page(page)
        return {
            key: registration[key]
            for key in ("registration_id", "event_id", "title", "status", "already_cancelled")
        }

    # --- attendance, feedback ------------------------------------------------------------
    @api(
        "GET",
        "/v1/events/{id}/attendance",
        query=s.SummaryQuery,
        response=s.AttendanceSummary,
        tags=("attendance",),
        produces=tuple(SUMMARY_MEDIA),
        summary="Who attended: registered, walk-ins, online joins, anonymous counts and no-shows.",
        description="The event's summary. " + PRINTABLE + " Its charts: registrations, attendance and "
        "no-shows; the channels that brought people; the feedback ratings.",
    )
    def get_attendance(self, request, id):
        if chosen_format(request, SUMMARY_MEDIA) == "html":
            return document_response(self.events.event_summary_page(id), request.caller.language)
        return self.events.get_attendance(id)

    @api(
        "POST",
        "/v1/events/{id}/attendance",
        body=s.AttendanceCreate,
        response=s.AttendanceSummary,
        status=201,
        tags=("attendance",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Check in a registration, record a named walk-in, or count anonymous walk-ins.",
    )
    def record_attendance(self, request, id):
        return self.events.record_attendance(id, request.payload)

    @api(
        "POST",
        "/v1/events/{id}/attendance/import",
        csv_body=s.AttendanceImport,
        response=s.ImportResult,
        tags=("attendance",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary='Import a meeting platform\'s participant list (text/csv, or JSON {"csv": ...}).',
        description="Columns: name and/or email, optionally joined_at and duration_minutes (common export "
        "headers such as 'User Email' and 'Join Time' are understood). People matching a "
        "registration by e-mail count as registered attendees, others as walk-ins; repeated joins "
        "count once. Bad rows give 422 with errors per line number and nothing is imported.",
    )
    def import_attendance(self, request, id):
        return self.events.import_attendance(id, csv_import_payload(request))

    @api(
        "GET",
        "/v1/events/{id}/feedback",
        auth="optional",
        response=s.FeedbackSummary,
        tags=("feedback",),
        summary="Feedback summary (count, average, distribution); organisers also see the comments.",
    )
    def feedback_summary(self, request, id):
        return self.events.feedback_summary(id)

    @api(
        "POST",
        "/v1/events/{id}/feedback",
        body=s.FeedbackCreate,
        response=s.FeedbackOut,
        status=201,
        tags=("feedback",),
        rate_limit="write",
        errors=(400, 401, 403, 404, 409, 422),
        summary="Rate an event you attended (1-5) with a comment; organisers may record it for an attendee.",
    )
    def give_feedback(self, request, id):
        return self.events.give_feedback(id, request.payload)

    # --- calendars --------------------------------------------------------------------------
    @api(
        "GET",
        "/v1/events/{id}/calendar.ics",
        auth="optional",
        query=s.CalendarFeedQuery,
        tags=("calendars",),
        produces=("text/calendar",),
        errors=CALENDAR_ERRORS,
        summary="The event as iCalendar (RFC 5545).",
        description=f"{CONDITIONAL} {FEED_TOKEN}",
    )
    def event_calendar(self, request, id):
        read_as_token_holder(self, request)
        return calendar_response(request, self.events.event_calendar(calendar_id(id, "Event")))

    @api(
        "GET",
        "/v1/associations/{id}/calendar.ics",
        auth="optional",
        query=s.CalendarFeedQuery,
        tags=("calendars",),
        produces=("text/calendar",),
        errors=CALENDAR_ERRORS,
        summary="Calendar feed of an association's events.",
        description=f"{PUBLIC_IF_PUBLISHED} {FEED_NAME} {CONDITIONAL} {FEED_TOKEN}",
    )
    def association_calendar(self, request, id):
        read_as_token_holder(self, request)
        return calendar_response(request, self.events.association_calendar(calendar_id(id, "Association")))

    @api(
        "GET",
        "/v1/networks/{id}/calendar.ics",
        auth="optional",
        query=s.CalendarFeedQuery,
        tags=("calendars",),
        produces=("text/calendar",),
        errors=CALENDAR_ERRORS,
        summary="Calendar feed of a network's events.",
        description=f"{PUBLIC_IF_PUBLISHED} {FEED_NAME} {CONDITIONAL} {FEED_TOKEN}",
    )
    def network_calendar(self, request, id):
        read_as_token_holder(self, request)
        return calendar_response(request, self.events.network_calendar(calendar_id(id, "Network")))
