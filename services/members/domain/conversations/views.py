"""What readers see of threads and posts: a deleted post is a placeholder
without text or author; an erased author's posts keep the placeholder name."""

from sqlalchemy import func, select

from nabo_common.api.moments import utc_text
from services.members.models import Person, Post


def author_names(session, person_ids):
    ids = list(set(person_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def post_view(post, names):
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "network_id": post.network_id,
        "reply_to_id": post.reply_to_id,
        "opening": post.opening,
        "author": None if post.deleted else {"person_id": post.author_id, "name": names.get(post.author_id)},
        "body": post.body,
        "themes": list(post.themes),
        "links": list(post.links),
        "hidden": post.hidden,
        "deleted": post.deleted,
        "created_at": utc_text(post.created_at),
        "edited_at": utc_text(post.edited_at),
    }


def reply_counts(session, thread_ids):
    """Replies not hidden (deleted ones' placeholders included), per thread."""
    if not thread_ids:
        return {}
    return dict(
        session.execute(
            select(Post.thread_id, func.count())
            .where(Post.thread_id.in_(thread_ids), Post.opening.is_(False), Post.hidden.is_(False))
            .group_by(Post.thread_id)
        ).all()
    )


def thread_views(session, pairs):
    """Views of ``(thread, opening_post)`` pairs, with reply counts and names in two queries."""
    counts = reply_counts(session, [t.id for t, _ in pairs])
    names = author_names(session, [p.author_id for _, p in pairs])
    views = []
    for thread, opening in pairs:
        opening_view = post_view(opening, names)
        views.append(
            {
                "id": thread.id,
                "network_id": thread.network_id,
                "kind": thread.kind,
                "title": thread.title,
                "author": opening_view["author"],
                "locked": thread.locked,
                "reply_count": counts.get(thread.id, 0),
                "last_activity_at": utc_text(thread.last_activity_at),
                "created_at": utc_text(thread.created_at),
                "opening_post": opening_view,
            }
        )
    return views


def post_result(session, post):
    return post_view(post, author_names(session, [post.author_id]))
