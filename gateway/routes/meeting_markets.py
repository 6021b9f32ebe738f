"""Routes of meeting markets (events service): one-to-one meetings at an event, requested among its
participants and placed in slots at tables or behind online links."""
from contracts.api import meeting_markets as s
from gateway.calendars import calendar_response
from gateway.documents import chosen_format, document_response
from gateway.http import api
from nabo_common.api.pagination import page_schema

TAGS = ("meeting markets",)
CONFLICTS = (400, 401, 403, 404, 409, 422)
PARTICIPANTS = ("Participants are persons with a confirmed registration of the event who join with one of "
                "their organisations; its profile (description, themes, offers, needs) is what others see.")
MOVES = ("Either participant or the organisers. Without starts_at the meeting takes the earliest slot "
         "after now, other than its own, free for both sides with a free table (or its online link). Both "
         "sides are told by mail with an iCalendar update (same UID, a higher SEQUENCE); a draft of the "
         "organiser's schedule moves without mail. 404 for a meeting that is not yours; 409 for a "
         "cancelled, checked-in or held meeting, an event no longer published, a taken slot or none free; "
         "422 when starts_at is not the start of a slot to come.")
NEVER_BLOCKS = ("A pending request takes no slot. It is refused (422) to yourself or to someone not in the "
                "market, and (409) past the maximum of meetings or when one between you is already pending "
                "or scheduled. Unanswered, it expires after the market's request_expiry_hours and the "
                "requester is told.")
PLACEMENT = ("Accepting places the meeting at once in the earliest slot free for both sides, at a free "
             "table (in person) or behind its online link (online; hybrid: a table when one is free). "
             "409 when the request expired or was already answered, or no slot is free for both; 403 "
             "for a request that is not yours to answer. An accepted request waiting for the organiser's "
             "schedule (by_organiser) is withdrawn by either side, its draft with it; the other side is "
             "told; 409 once its meeting is published (cancel the meeting instead).")


SETTINGS_EXAMPLE = {
    "mode": "in_person", "meeting_minutes": 20, "tables": ["Table 1", "Table 2", "Table 3"],
    # within the event example's time (2031-03-20, 16:00 to 17:30)
    "windows": [{"starts_at": "2031-03-20T16:30:00+01:00", "ends_at": "2031-03-20T17:30:00+01:00"}],
    "max_meetings_per_participant": 8, "request_expiry_hours": 48, "scheduling": "on_accept",
    "reminder_minutes": 15}
PLAN_MEDIA = {"application/json": "json", "text/csv": "csv", "text/html": "html"}
BULK = ("Every accepted request without a meeting, first accepted first, goes into the earliest slot free "
        "for both sides (not yet begun) at a free table or behind its online link, as accepting would "
        "place it; a request that fits nowhere is listed in unplaced with the reason. The meetings are "
        "drafts, seen by the organisers only (the table plan), until the schedule is published. Accepts "
        "racing the run wait for it: nobody and no table is booked twice.")
PUBLISHING = ("Every draft meeting becomes its participants': it appears in their agendas and calendar "
              "feeds, and each side is mailed (meeting.scheduled) in their language. Publishing again "
              "publishes the drafts scheduled since.")


class MeetingMarketsRoutes:
    @api("POST", "/v1/events/{id}/meeting-market", body=s.MeetingMarketSettings, response=s.MeetingMarket,
         tags=TAGS, rate_limit="write", errors=CONFLICTS,
         examples={"configure_meeting_market": SETTINGS_EXAMPLE},
         summary="Turn a meeting market on for an event, or change it (the event's organisers).",
         description="Windows lie within the event's time; in person and hybrid markets need tables.")
    def configure_meeting_market(self, request, id):
        return self.events.configure_meeting_market(id, request.payload)

    @api("GET", "/v1/events/{id}/meeting-market", response=s.MeetingMarket, tags=TAGS,
         summary="An event's meeting market (its organisers and participants).")
    def get_meeting_market(self, request, id):
        return self.events.get_meeting_market(id)

    @api("POST", "/v1/events/{id}/meeting-market/participants", body=s.ParticipantJoin,
         response=s.MarketParticipant, status=201, tags=TAGS, rate_limit="write", errors=CONFLICTS,
         summary="Take part in an event's meeting market.", description=PARTICIPANTS)
    def join_meeting_market(self, request, id):
        return self.events.join_meeting_market(id, request.payload)

    @api("GET", "/v1/events/{id}/meeting-market/participants", response=s.MarketParticipants,
         tags=TAGS, summary="The market's participants and whose profile is incomplete (organisers).",
         description="missing names what each organisation's profile lacks.")
    def list_market_participants(self, request, id):
        return self.events.list_market_participants(id)

    @api("POST", "/v1/events/{id}/meeting-market/profile-reminders", response=s.ProfileReminders,
         tags=TAGS, rate_limit="write",
         summary="Remind every participant whose profile is incomplete, by mail (organisers).")
    def remind_incomplete_profiles(self, request, id):
        return self.events.remind_incomplete_profiles(id)

    @api("POST", "/v1/events/{id}/meeting-market/schedule", response=s.ScheduleRun, tags=TAGS,
         rate_limit="write", errors=CONFLICTS,
         summary="Schedule every accepted request of the market at once (organisers).", description=BULK)
    def schedule_meeting_market(self, request, id):
        return self.events.schedule_meeting_market(id)

    @api("POST", "/v1/events/{id}/meeting-market/schedule/publication", response=s.SchedulePublication,
         tags=TAGS, rate_limit="write", errors=CONFLICTS,
         summary="Publish the scheduled meetings to their participants (organisers).", description=PUBLISHING)
    def publish_meeting_schedule(self, request, id):
        return self.events.publish_meeting_schedule(id)

    @api("GET", "/v1/events/{id}/meeting-market/table-plan", query=s.TablePlanQuery, response=s.TablePlan,
         tags=TAGS, produces=tuple(PLAN_MEDIA),
         summary="Who meets whom, per slot and table, drafts included (organisers).",
         description="format=csv (or Accept: text/csv) gives one row per meeting with its headings in the "
                     "caller's language; format=html (or Accept: text/html) a printable page in the "
                     "caller's language (Accept-Language: da, nl, de, sv or en).")
    def meeting_table_plan(self, request, id):
        result = self.events.meeting_table_plan(id, {"format": chosen_format(request, PLAN_MEDIA)})
        return document_response(result, request.caller.language) if "body" in result else result

    @api("GET", "/v1/events/{id}/meeting-market/suggestions", response=s.MeetingSuggestions,
         tags=TAGS, summary="Participants you could meet, best first, with the reasons (participants).")
    def suggest_meetings(self, request, id):
        return self.events.suggest_meetings(id)

    @api("POST", "/v1/meeting-requests", body=s.MeetingRequestCreate, response=s.MeetingRequestOut,
         status=201, tags=TAGS, rate_limit="write", errors=CONFLICTS,
         summary="Ask another participant to meet, with a short message.", description=NEVER_BLOCKS)
    def send_meeting_request(self, request):
        return self.events.send_meeting_request(request.payload)

    @api("GET", "/v1/meeting-requests", query=s.MeetingRequestQuery,
         response=page_schema(s.MeetingRequestOut), tags=TAGS,
         summary="Your meeting requests, sent and received, newest first.")
    def search_meeting_requests(self, request):
        return self.events.search_meeting_requests(request.query)

    @api("GET", "/v1/meeting-requests/{id}", response=s.MeetingRequestOut, tags=TAGS,
         summary="One of your meeting requests, with its meeting once accepted.")
    def get_meeting_request(self, request, id):
        return self.events.get_meeting_request(id)

    @api("PATCH", "/v1/meeting-requests/{id}", body=s.MeetingRequestAnswer, response=s.MeetingRequestOut,
         tags=TAGS, rate_limit="write", errors=CONFLICTS,
         summary="Accept or decline a request to you, or withdraw yours (or one accepted and waiting).",
         description=PLACEMENT)
    def answer_meeting_request(self, request, id):
        return self.events.answer_meeting_request(id, request.payload)

    @api("GET", "/v1/meetings/{id}", response=s.MeetingOut, tags=TAGS,
         summary="A meeting (its participants and the event's organisers).")
    def get_meeting(self, request, id):
        return self.events.get_meeting(id)

    @api("PATCH", "/v1/meetings/{id}", body=s.MeetingUpdate, response=s.MeetingOut, tags=TAGS,
         rate_limit="write", errors=CONFLICTS,
         summary="Cancel a meeting: its slot and table are free again and both sides are told.")
    def cancel_meeting(self, request, id):
        return self.events.cancel_meeting(id, request.payload)

    @api("POST", "/v1/meetings/{id}/reschedule", body=s.MeetingReschedule, response=s.MeetingOut, tags=TAGS,
         rate_limit="write", errors=CONFLICTS,
         examples={"earliest_free": {}, "to_a_slot": {"starts_at": "2027-03-11T11:00:00+01:00"}},
         summary="Move a meeting to another slot: both sides get the calendar update.",
         description=MOVES)
    def reschedule_meeting(self, request, id):
        return self.events.reschedule_meeting(id, request.payload)

    @api("POST", "/v1/meetings/{id}/check-in", body=s.MeetingCheckIn, response=s.MeetingOut, tags=TAGS,
         rate_limit="write", errors=CONFLICTS, examples={"both_came": {}, "one_came": {
             "present": ["e41b7c93-2d8a-5f60-b1c7-3a9e5d2f8c14"]}},
         summary="Check a meeting in: who came (either participant or the organisers at the table).",
         description="Without present both came and the meeting was held. Check-ins add up. After its "
                     "end, a participant of a published meeting who was not checked in is a no-show "
                     "(the market's no_shows and no_show_rate, each participant's no_shows). 404 for a "
                     "meeting that is not yours; 409 for a cancelled meeting or a draft; 422 for a "
                     "person who is not one of its two participants.")
    def check_in_meeting(self, request, id):
        return self.events.check_in_meeting(id, request.payload)

    @api("POST", "/v1/meetings/{id}/outcome", body=s.MeetingOutcomeCreate, response=s.MeetingOut, tags=TAGS,
         rate_limit="write", errors=CONFLICTS,
         summary="Record what came of a meeting: held, how useful, what follows (its participants).",
         description="Once the meeting has begun (409 before, in the reader's language). Recording "
                     "again replaces your earlier answer; the organisers see every outcome and the "
                     "market's count of meetings held.")
    def record_meeting_outcome(self, request, id):
        return self.events.record_meeting_outcome(id, request.payload)

    @api("GET", "/v1/me/agenda", query=s.AgendaQuery, response=s.Agenda, tags=TAGS,
         summary="Your scheduled meetings in time order.")
    def my_agenda(self, request):
        return self.events.my_agenda(request.query)

    @api("GET", "/v1/me/agenda.ics", query=s.AgendaQuery, tags=TAGS, produces=("text/calendar",),
         summary="Your scheduled meetings as iCalendar (RFC 5545), one VEVENT each.")
    def my_agenda_calendar(self, request):
        return calendar_response(request, self.events.my_agenda_calendar(request.query))
