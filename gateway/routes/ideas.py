"""Routes of the ideas part of the API: panels, participants, meetings, ideas,
supports, comments, duplicates, decisions, initiatives and the catalogue."""
from contracts.api import ideas as s
from gateway.documents import chosen_format, document_response
from gateway.http import api
from gateway.routes import EXPORTERS
from nabo_common.api.pagination import PageQuery, page_schema

EXPORTERS.append("ideas")

CATALOGUE_MEDIA = {"application/json": "json", "text/csv": "csv", "text/markdown": "md", "text/html": "html"}
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)


class IdeasRoutes:
    # --- panels -----------------------------------------------------------------
    @api("GET", "/v1/panels", query=s.PanelQuery, response=page_schema(s.Panel), tags=("ideas",),
         summary="Panels you may read: your association's, and those you take part in.")
    def search_panels(self, request):
        return self.ideas.search_panels(request.query)

    @api("POST", "/v1/panels", body=s.PanelCreate, response=s.Panel, status=201, tags=("ideas",),
         rate_limit="write", summary="Open a panel round on a strategic theme (association admin).")
    def create_panel(self, request):
        return self.ideas.create_panel(request.payload)

    @api(
        "GET",
        "/v1/panels/{id}",
        response=s.Panel,
        tags=("ideas",),
        summary="One panel with sub-themes, phases and meetings.",
    )
    def get_panel(self, request, id):
        return self.ideas.get_panel(id)

    @api(
        "PATCH",
        "/v1/panels/{id}",
        body=s.PanelUpdate,
        response=s.Panel,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Change a panel's texts, sub-themes, visibility or planned dates.",
    )
    def update_panel(self, request, id):
        return self.ideas.update_panel(id, request.payload)

    @api(
        "POST",
        "/v1/panels/{id}/transitions",
        body=s.PanelTransition,
        response=s.Panel,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Move the panel to another phase; catalogue_published makes the catalogue public.",
    )
    def transition_panel(self, request, id):
        return self.ideas.transition_panel(id, request.payload)

    @api(
        "GET",
        "/v1/panels/{id}/participants",
        query=PageQuery,
        response=page_schema(s.PanelParticipant),
        tags=("ideas",),
        summary="The panel's participating organisations and persons.",
    )
    def list_participants(self, request, id):
        return self.ideas.list_participants(id, request.query)

    @api(
        "POST",
        "/v1/panels/{id}/participants",
        body=s.ParticipantsAdd,
        response=page_schema(s.PanelParticipant),
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Add organisations (all their persons take part) or single persons to a panel.",
    )
    def add_participants(self, request, id):
        return self.ideas.add_participants(id, request.payload)

    @api(
        "DELETE",
        "/v1/panels/{id}/participants/{participant_id}",
        tags=("ideas",),
        rate_limit="write",
        status=204,
        errors=(401, 403, 404),
        summary="Remove a participant from a panel.",
    )
    def remove_participant(self, request, id, participant_id):
        return self.ideas.remove_participant(id, participant_id)

    @api(
        "POST",
        "/v1/panels/{id}/meetings",
        body=s.MeetingCreate,
        response=s.PanelMeeting,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Link a panel meeting (an event of the events service) to the panel.",
    )
    def add_meeting(self, request, id):
        return self.ideas.add_meeting(id, request.payload)

    @api(
        "GET",
        "/v1/panels/{id}/catalogue",
        auth="optional",
        query=s.CatalogueQuery,
        response=s.IdeaCatalogue,
        tags=("ideas",),
        produces=tuple(CATALOGUE_MEDIA),
        errors=(400, 404, 422),
        summary="The idea catalogue: accepted ideas by sub-theme with supports, as JSON, CSV, Markdown or "
        "printable HTML. Public once published.",
        description="format=html (or Accept: text/html) gives a printable page in the caller's language "
        "(Accept-Language: da, nl, de, sv or en) with a chart of the ideas per sub-theme by status, drawn "
        "as SVG.",
        localised=True,
    )
    def get_catalogue(self, request, id):
        result = self.ideas.get_catalogue(id, {"format": chosen_format(request, CATALOGUE_MEDIA)})
        return document_response(result, request.caller.language) if "body" in result else result

    # --- ideas ------------------------------------------------------------------
    @api(
        "GET",
        "/v1/panels/{id}/ideas",
        query=s.IdeaQuery,
        response=page_schema(s.Idea),
        tags=("ideas",),
        summary="The panel's ideas, filtered by status, sub-theme or text.",
    )
    def search_ideas(self, request, id):
        return self.ideas.search_ideas(id, request.query)

    @api(
        "POST",
        "/v1/panels/{id}/ideas",
        body=s.IdeaCreate,
        response=s.Idea,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Submit an idea (participants), or record one on someone's behalf (facilitators).",
    )
    def submit_idea(self, request, id):
        return self.ideas.submit_idea(id, request.payload)

    @api(
        "GET",
        "/v1/ideas/{id}",
        response=s.IdeaDetail,
        tags=("ideas",),
        summary="One idea with its trace: status history, merges, decisions and initiatives.",
    )
    def get_idea(self, request, id):
        return self.ideas.get_idea(id)

    @api(
        "PATCH",
        "/v1/ideas/{id}",
        body=s.IdeaUpdate,
        response=s.Idea,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Change an idea's texts (its submitter while open, or a facilitator).",
    )
    def update_idea(self, request, id):
        return self.ideas.update_idea(id, request.payload)

    @api(
        "POST",
        "/v1/ideas/{id}/transitions",
        body=s.IdeaTransition,
        response=s.IdeaDetail,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Review an idea: under_review, accepted, declined (with a reason) or merged into another.",
    )
    def transition_idea(self, request, id):
        return self.ideas.transition_idea(id, request.payload)

    @api(
        "GET",
        "/v1/ideas/{id}/similar",
        query=s.SimilarQuery,
        response=s.SimilarIdeas,
        tags=("ideas",),
        summary="Likely duplicates among the panel's ideas, by text similarity of title and need.",
    )
    def similar_ideas(self, request, id):
        return self.ideas.similar_ideas(id, request.query)

    @api(
        "GET",
        "/v1/ideas/{id}/supports",
        response=s.IdeaSupports,
        tags=("ideas",),
        summary="How many support an idea, per organisation too.",
    )
    def get_supports(self, request, id):
        return self.ideas.get_supports(id)

    @api(
        "POST",
        "/v1/ideas/{id}/supports",
        body=s.SupportCreate,
        response=s.IdeaSupports,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Support an idea (once per person).",
    )
    def support_idea(self, request, id):
        return self.ideas.support_idea(id, request.payload)

    @api(
        "DELETE",
        "/v1/ideas/{id}/supports",
        response=s.IdeaSupports,
        tags=("ideas",),
        rate_limit="write",
        errors=(401, 404),
        summary="Withdraw your support.",
    )
    def withdraw_support(self, request, id):
        return self.ideas.withdraw_support(id)

    @api(
        "GET",
        "/v1/ideas/{id}/comments",
        query=PageQuery,
        response=page_schema(s.IdeaComment),
        tags=("ideas",),
        summary="Comments on an idea, oldest first.",
    )
    def list_comments(self, request, id):
        return self.ideas.list_comments(id, request.query)

    @api(
        "POST",
        "/v1/ideas/{id}/comments",
        body=s.CommentCreate,
        response=s.IdeaComment,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Comment on an idea.",
    )
    def comment_idea(self, request, id):
        return self.ideas.comment_idea(id, request.payload)

    # --- decisions and initiatives ---------------------------------------------------
    @api(
        "GET",
        "/v1/panels/{id}/decisions",
        query=PageQuery,
        response=page_schema(s.PanelDecision),
        tags=("ideas",),
        summary="The committee's decisions on the panel's ideas.",
    )
    def list_decisions(self, request, id):
        return self.ideas.list_decisions(id, request.query)

    @api(
        "POST",
        "/v1/panels/{id}/decisions",
        body=s.DecisionCreate,
        response=s.PanelDecision,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Record a decision (date, body, text) on the panel and the ideas it treated.",
    )
    def record_decision(self, request, id):
        return self.ideas.record_decision(id, request.payload)

    @api(
        "GET",
        "/v1/panels/{id}/initiatives",
        auth="optional",
        query=s.InitiativeQuery,
        response=page_schema(s.Initiative),
        tags=("ideas",),
        summary="Initiatives launched from the panel's ideas, with their progress. Public once the panel's "
        "catalogue is published.",
    )
    def search_initiatives(self, request, id):
        return self.ideas.search_initiatives(id, request.query)

    @api(
        "POST",
        "/v1/panels/{id}/initiatives",
        body=s.InitiativeCreate,
        response=s.Initiative,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Create an initiative from one or more ideas, with owner and partners.",
    )
    def create_initiative(self, request, id):
        return self.ideas.create_initiative(id, request.payload)

    @api(
        "GET",
        "/v1/initiatives/{id}",
        auth="optional",
        response=s.Initiative,
        tags=("ideas",),
        summary="One initiative with its ideas and dated progress. Public once the panel's catalogue is "
        "published.",
    )
    def get_initiative(self, request, id):
        return self.ideas.get_initiative(id)

    @api(
        "PATCH",
        "/v1/initiatives/{id}",
        body=s.InitiativeUpdate,
        response=s.Initiative,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Change an initiative's texts, owner, partners or dates.",
    )
    def update_initiative(self, request, id):
        return self.ideas.update_initiative(id, request.payload)

    @api(
        "POST",
        "/v1/initiatives/{id}/progress",
        body=s.ProgressCreate,
        response=s.Initiative,
        status=201,
        tags=("ideas",),
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Add a dated progress update, optionally moving the status (planned, launched, completed, "
        "stopped).",
    )
    def add_progress(self, request, id):
        return self.ideas.add_progress(id, request.payload)
