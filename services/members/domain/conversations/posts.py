"""Replies in a thread, a thread's posts in order, one post, and its author's
edits and deletion (a placeholder stays where replies hang from it)."""

from sqlalchemy import or_, select

from contracts.api import conversations as schemas
from nabo_common.api.errors import Conflict, NotFound, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import load
from nabo_common.messaging.outbox import utcnow
from services.members.domain import access, themes
from services.members.domain.common import idempotent_calls
from services.members.domain.conversations import moderation, opportunities
from services.members.domain.conversations.access import mentioned_members, post_standing, thread_standing
from services.members.domain.conversations.publishing import post_changed, post_created
from services.members.domain.conversations.views import author_names, post_result, post_view
from services.members.domain.networks import dormancy
from services.members.models import Post

AUTHOR_FIELDS = ("body", "themes", "links")


def _replied_post(session, standing, thread, reply_to_id):
    post = session.get(Post, reply_to_id)
    if post is None or post.thread_id != thread.id or not standing.sees(post) or post.deleted:
        raise ValidationFailed("Unknown post.", {"reply_to_id": ["No post of this thread to answer."]})
    return post


def reply(session, caller, thread_id, payload, call_key=None):
    access.require_authenticated(caller)
    data = load(schemas.PostCreate, payload)

    def write():
        thread, standing = thread_standing(session, caller, thread_id)
        standing.require_member()
        if thread.locked:
            raise Conflict("This thread is locked: it takes no more replies.")
        replied = None
        if data.get("reply_to_id"):
            replied = _replied_post(session, standing, thread, data["reply_to_id"])
        theme_ids = themes.check_theme_ids(session, data["themes"])
        mentioned = mentioned_members(session, standing.network, data["mentions"])
        now = utcnow()
        post = Post(
            thread_id=thread.id,
            network_id=thread.network_id,
            reply_to_id=data.get("reply_to_id"),
            author_id=caller.person_id,
            body=data["body"],
            themes=theme_ids,
            links=data["links"],
            created_at=now,
        )
        session.add(post)
        thread.last_activity_at = now
        session.flush()
        post_created(session, caller, standing.network, thread, post, mentioned, replied)
        if caller.person_id != thread.author_id:  # the first answer wakes a dormant network, not a follow-up
            dormancy.wake(session, caller, standing.network)
        dormancy.record_activity(standing.network, now)
        return post_result(session, post)

    with session.begin():
        return idempotent_calls.once(session, call_key, "reply", write)


def list_(session, caller, thread_id, query):
    """The thread's posts, oldest first, the opening post included."""
    q = load(schemas.PostQuery, query)
    thread, standing = thread_standing(session, caller, thread_id)
    stmt = select(Post).where(Post.thread_id == thread.id)
    if not standing.convener:
        stmt = stmt.where(or_(Post.hidden.is_(False), Post.author_id == (caller.person_id or "")))
    rows, total = paginate(session, stmt.order_by(Post.created_at, Post.id), q["limit"], q["offset"])
    names = author_names(session, [p.author_id for p in rows])
    return page([post_view(p, names) for p in rows], total, q["limit"], q["offset"])


def get(session, caller, post_id):
    try:
        post, _thread, _standing = post_standing(session, caller, post_id)
    except NotFound:
        post = opportunities.offered_post(session, caller, post_id)  # offered beyond the network
    return post_result(session, post)


def _edit(session, caller, standing, thread, post, data):
    standing.require_author(post.author_id)
    standing.require_member()  # one removed from the network may still delete, no longer rewrite
    if post.deleted or post.erased:
        raise Conflict("This post has been deleted.")
    if thread.locked:  # its author may still delete it
        raise Conflict("This thread is locked: its posts can no longer be edited.")
    if "themes" in data:
        data["themes"] = themes.check_theme_ids(session, data["themes"])
    changed = {k for k in AUTHOR_FIELDS if k in data and data[k] != getattr(post, k)}
    if not changed:
        return
    for key in changed:
        setattr(post, key, data[key])
    post.edited_at = utcnow()
    session.flush()
    post_changed(session, caller, standing.network, post, "post.updated", changed)


def update(session, caller, post_id, payload):
    """Its author edits the text, themes or links (not in a locked thread); a convener hides or restores
    it."""
    access.require_authenticated(caller)
    data = load(schemas.PostUpdate, payload)
    with session.begin():
        post, thread, standing = post_standing(session, caller, post_id)
        if "hidden" in data:
            moderation.set_hidden(session, caller, standing, post, data.pop("hidden"))
        if data:
            _edit(session, caller, standing, thread, post, data)
        result = post_result(session, post)
    return result


def delete(session, caller, post_id):
    access.require_authenticated(caller)
    with session.begin():
        post, _thread, standing = post_standing(session, caller, post_id)
        standing.require_author(post.author_id)
        if post.deleted:
            return None
        post.deleted = True
        post.body = None
        post.links = []
        post.themes = []
        session.flush()
        post_changed(session, caller, standing.network, post, "post.deleted", {"deleted"})
    return None
