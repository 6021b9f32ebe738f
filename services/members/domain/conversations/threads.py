"""Starting a thread (with its opening post), the network's threads by last
activity, one thread, and its author's or a convener's changes to it."""

from sqlalchemy import and_, func, or_, select

from contracts.api import conversations as schemas
from nabo_common.api.errors import Conflict
from nabo_common.api.pagination import page
from nabo_common.api.validation import load
from nabo_common.messaging.outbox import utcnow
from services.members.domain import access, themes
from services.members.domain.common import idempotent_calls
from services.members.domain.conversations import moderation, opportunities
from services.members.domain.conversations.access import (
    mentioned_members,
    network_standing,
    opening_post,
    poster_standing,
    thread_missing,
    thread_standing,
)
from services.members.domain.conversations.publishing import post_created, thread_changed
from services.members.domain.conversations.views import thread_views
from services.members.domain.networks import dormancy
from services.members.models import Post, Thread

AUTHOR_FIELDS = ("title", "kind")


def start(session, caller, network_id, payload, call_key=None):
    access.require_authenticated(caller)
    data = load(schemas.ThreadCreate, payload)

    def write():
        standing = poster_standing(session, caller, network_id)
        theme_ids = themes.check_theme_ids(session, data["themes"])
        mentioned = mentioned_members(session, standing.network, data["mentions"])
        now = utcnow()
        thread = Thread(
            network_id=standing.network.id,
            kind=data["kind"],
            title=data["title"],
            author_id=caller.person_id,
            created_at=now,
            last_activity_at=now,
        )
        session.add(thread)
        session.flush()
        post = Post(
            thread_id=thread.id,
            network_id=thread.network_id,
            opening=True,
            author_id=caller.person_id,
            body=data["body"],
            themes=theme_ids,
            links=data["links"],
            created_at=now,
        )
        session.add(post)
        session.flush()
        # a new thread in a dormant network reaches everyone; the first answer wakes the network
        post_created(session, caller, standing.network, thread, post, mentioned)
        opportunities.offer(session, caller, standing.network, thread, post)
        dormancy.record_activity(standing.network, now)
        return thread_views(session, [(thread, post)])[0]

    with session.begin():
        return idempotent_calls.once(session, call_key, "start_thread", write)


def list_(session, caller, network_id, query):
    q = load(schemas.ThreadQuery, query)
    standing = network_standing(session, caller, network_id)
    stmt = (
        select(Thread, Post)
        .join(Post, and_(Post.thread_id == Thread.id, Post.opening))
        .where(Thread.network_id == standing.network.id)
    )
    if not standing.convener:  # a thread whose opening post is hidden is gone for the others
        stmt = stmt.where(or_(Post.hidden.is_(False), Post.author_id == (caller.person_id or "")))
    if q.get("kind"):
        stmt = stmt.where(Thread.kind == q["kind"])
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Thread.id).subquery()))
    rows = session.execute(
        stmt.order_by(Thread.last_activity_at.desc(), Thread.id).limit(q["limit"]).offset(q["offset"])
    ).all()
    return page(thread_views(session, [tuple(r) for r in rows]), total, q["limit"], q["offset"])


def _visible_opening(session, thread, standing):
    post = opening_post(session, thread)
    if not standing.sees(post):
        raise thread_missing(thread.id)
    return post


def get(session, caller, thread_id):
    thread, standing = thread_standing(session, caller, thread_id)
    post = _visible_opening(session, thread, standing)
    return thread_views(session, [(thread, post)])[0]


def update(session, caller, thread_id, payload):
    """Its author retitles it or changes its kind (not once it is locked or its opening post deleted); a
    convener locks or opens it."""
    access.require_authenticated(caller)
    data = load(schemas.ThreadUpdate, payload)
    with session.begin():
        thread, standing = thread_standing(session, caller, thread_id)
        post = _visible_opening(session, thread, standing)
        was_locked = thread.locked  # a convener-author may retitle and lock in one request
        if "locked" in data:
            moderation.set_locked(session, caller, standing, thread, data["locked"])
        changed = {k for k in AUTHOR_FIELDS if k in data and data[k] != getattr(thread, k)}
        if any(k in data for k in AUTHOR_FIELDS):
            standing.require_author(thread.author_id)
            if was_locked:
                raise Conflict("This thread is locked: its title and kind can no longer be changed.")
            if post.deleted or post.erased:  # the title stays, for the replies' context
                raise Conflict(
                    "This thread's opening post has been deleted: its title and kind stay as they are.")
        if changed:
            for key in changed:
                setattr(thread, key, data[key])
            session.flush()
            thread_changed(session, caller, standing.network, thread, "thread.updated", changed)
        result = thread_views(session, [(thread, post)])[0]
    return result
