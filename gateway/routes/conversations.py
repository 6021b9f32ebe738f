"""Routes of conversations in networks: threads, posts, moderation and reports
(declared with gateway.http.api; the members service holds the rules)."""

from contracts.api import conversations as s
from contracts.api import networks as ns
from gateway.http import api, json_text
from nabo_common.api.pagination import page_schema

WRITE_ERRORS = (400, 401, 403, 404, 409, 422)
TAGS = ("conversations",)


class ConversationsRoutes:
    @api(
        "GET",
        "/v1/networks/{id}/threads",
        auth="optional",
        query=s.ThreadQuery,
        response=page_schema(s.Thread),
        tags=TAGS,
        summary="A network's threads, the most recently active first, with their reply counts.",
        description="A public network's conversation is readable without an account; any other network's by "
        "its members and conveners (403 for others who see the network). A thread whose opening post a "
        "convener hid is listed only for its author and the conveners.",
    )
    def list_threads(self, request, id):
        return json_text(self.members.list_threads_json(id, request.query))

    @api(
        "POST",
        "/v1/networks/{id}/threads",
        body=s.ThreadCreate,
        response=s.Thread,
        status=201,
        tags=TAGS,
        rate_limit="post",
        errors=(*WRITE_ERRORS, 429),
        summary="Start a thread: a question, an announcement or an opportunity (the network's members).",
        description="Publishes `post.created` with `opening` true. Links are http or https addresses only. "
        "Counted against POST_RATE_LIMIT per person.",
    )
    def start_thread(self, request, id):
        return self.members.start_thread(id, request.payload)

    @api(
        "GET",
        "/v1/threads/{id}",
        auth="optional",
        response=s.Thread,
        tags=TAGS,
        summary="One thread with its opening post (who may read the network's conversation).",
    )
    def get_thread(self, request, id):
        return self.members.get_thread(id)

    @api(
        "PATCH",
        "/v1/threads/{id}",
        body=s.ThreadUpdate,
        response=s.Thread,
        tags=TAGS,
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Retitle a thread or change its kind (its author); lock or open it (conveners).",
        description="A locked thread answers new replies with 409. Locking publishes `thread.locked` "
        "(`thread.unlocked`), recorded in the audit trail.",
    )
    def update_thread(self, request, id):
        return self.members.update_thread(id, request.payload)

    @api(
        "GET",
        "/v1/threads/{id}/posts",
        auth="optional",
        query=s.PostQuery,
        response=page_schema(s.Post),
        tags=TAGS,
        summary="A thread's posts, oldest first; deleted ones are placeholders the replies hang from.",
        description="`reply_to_id` says which post a reply answers. Hidden posts are listed only for their "
        "author and the conveners.",
    )
    def list_posts(self, request, id):
        return json_text(self.members.list_posts_json(id, request.query))

    @api(
        "POST",
        "/v1/threads/{id}/posts",
        body=s.PostCreate,
        response=s.Post,
        status=201,
        tags=TAGS,
        rate_limit="post",
        errors=(*WRITE_ERRORS, 429),
        summary="Reply in a thread, or to one of its posts (the network's members).",
        description="409 when the thread is locked. Publishes `post.created`. Counted against "
        "POST_RATE_LIMIT per person.",
    )
    def reply_in_thread(self, request, id):
        return self.members.reply_in_thread(id, request.payload)

    @api(
        "GET",
        "/v1/posts/{id}",
        auth="optional",
        response=s.Post,
        tags=TAGS,
        summary="One post (who may read the network's conversation; a hidden one its author and the "
        "conveners; an opportunity's opening post also the persons of the organisations it is offered to).",
    )
    def get_post(self, request, id):
        return self.members.get_post(id)

    @api(
        "PATCH",
        "/v1/posts/{id}",
        body=s.PostUpdate,
        response=s.Post,
        tags=TAGS,
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Edit a post (its author: body, themes, links); hide or restore it (conveners: hidden).",
        description="Hiding publishes `post.hidden` (`post.restored`), recorded in the audit trail.",
    )
    def update_post(self, request, id):
        return self.members.update_post(id, request.payload)

    @api(
        "DELETE",
        "/v1/posts/{id}",
        status=204,
        tags=TAGS,
        rate_limit="write",
        errors=(401, 403, 404),
        summary="Delete your post: its text goes, a placeholder stays for the replies to it.",
    )
    def delete_post(self, request, id):
        self.members.delete_post(id)
        return 204, None

    @api(
        "POST",
        "/v1/posts/{id}/reports",
        body=s.PostReportCreate,
        response=s.PostReport,
        status=201,
        tags=TAGS,
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Report a post to the network's conveners, with a reason (the network's members; once).",
    )
    def report_post(self, request, id):
        return self.members.report_post(id, request.payload)

    @api(
        "POST",
        "/v1/posts/{id}/private-answers",
        body=s.PrivateAnswer,
        response=ns.Match,
        status=201,
        tags=TAGS,
        rate_limit="write",
        errors=WRITE_ERRORS,
        summary="Answer an opportunity's author privately, for your organisation: the two organisations "
        "are introduced by mail, as an accepted match is (those the opportunity was offered to, and its "
        "readers).",
    )
    def answer_opportunity_privately(self, request, id):
        return self.members.answer_opportunity_privately(id, request.payload)

    @api(
        "GET",
        "/v1/posts/{id}/reports",
        query=s.PostReportQuery,
        response=page_schema(s.PostReport),
        tags=TAGS,
        summary="The reports on a post (conveners).",
    )
    def list_post_reports(self, request, id):
        return self.members.list_post_reports(id, request.query)
