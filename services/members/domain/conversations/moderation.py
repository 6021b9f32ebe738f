"""What a convener does alone: hide or restore a post, lock or open a thread,
and read the reports members made; members report posts. Each act publishes
an event the audit trail records (removing a member is the networks' roster)."""

from datetime import timedelta

from sqlalchemy import select

from contracts.api import conversations as schemas
from nabo_common.api.errors import Conflict
from nabo_common.api.moments import utc_text
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import load
from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence.retention import anonymise_in_batches
from services.members.domain import access
from services.members.domain.conversations.access import post_standing
from services.members.domain.conversations.publishing import post_changed, thread_changed
from services.members.models import Post, PostReport

DEFAULT_HIDDEN_POST_RETENTION_DAYS = 180


def forget_hidden_posts(session, retention_days=DEFAULT_HIDDEN_POST_RETENTION_DAYS, now=None):
    """Posts hidden for longer than ``retention_days`` lose their text, links and themes; they stay hidden
    placeholders the replies hang from. Returns how many; running again changes nothing."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    candidates = select(Post.id).where(Post.hidden.is_(True), Post.hidden_at <= cutoff,
                                       Post.body.is_not(None))
    return anonymise_in_batches(session, Post, candidates, {"body": None, "links": [], "themes": []})


def set_hidden(session, caller, standing, post, hidden):
    standing.require_convener()
    if post.hidden == hidden:
        return
    post.hidden = hidden
    post.hidden_at = utcnow() if hidden else None
    session.flush()
    post_changed(
        session, caller, standing.network, post, "post.hidden" if hidden else "post.restored", {"hidden"}
    )


def set_locked(session, caller, standing, thread, locked):
    standing.require_convener()
    if thread.locked == locked:
        return
    thread.locked = locked
    session.flush()
    thread_changed(
        session,
        caller,
        standing.network,
        thread,
        "thread.locked" if locked else "thread.unlocked",
        {"locked"},
    )


def _report_view(report):
    return {
        "id": report.id,
        "post_id": report.post_id,
        "reporter_id": report.reporter_id,
        "reason": report.reason,
        "created_at": utc_text(report.created_at),
    }


def report(session, caller, post_id, payload):
    access.require_authenticated(caller)
    data = load(schemas.PostReportCreate, payload)
    with session.begin():
        post, _thread, standing = post_standing(session, caller, post_id)
        standing.require_member()
        if post.author_id == caller.person_id:
            raise Conflict("You cannot report your own post: edit or delete it instead.")
        if session.scalar(
            select(PostReport.id).where(
                PostReport.post_id == post.id, PostReport.reporter_id == caller.person_id
            )
        ):
            raise Conflict("You have reported this post already.")
        entry = PostReport(post_id=post.id, reporter_id=caller.person_id, reason=data["reason"])
        session.add(entry)
        session.flush()
        post_changed(session, caller, standing.network, post, "post.reported", set())
        return _report_view(entry)


def list_reports(session, caller, post_id, query):
    access.require_authenticated(caller)
    q = load(schemas.PostReportQuery, query)
    post, _thread, standing = post_standing(session, caller, post_id)
    standing.require_convener()
    stmt = (
        select(PostReport).where(PostReport.post_id == post.id).order_by(PostReport.created_at, PostReport.id)
    )
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page([_report_view(r) for r in rows], total, q["limit"], q["offset"])
