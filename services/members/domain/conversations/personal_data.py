"""A person's threads, posts and reports for their export, and erasure: their
text goes, the posts stay as placeholders under the erased person's name so
the replies of others keep their place."""

from sqlalchemy import select

from nabo_common.api.moments import utc_text
from services.members.models import Post, PostReport, Thread


def export_person(session, person_id):
    threads = session.scalars(
        select(Thread).where(Thread.author_id == person_id).order_by(Thread.created_at)
    ).all()
    posts = session.scalars(select(Post).where(Post.author_id == person_id).order_by(Post.created_at)).all()
    reports = session.scalars(
        select(PostReport).where(PostReport.reporter_id == person_id).order_by(PostReport.created_at)
    ).all()
    return {
        "threads": [
            {
                "id": t.id,
                "network_id": t.network_id,
                "kind": t.kind,
                "title": t.title,
                "created_at": utc_text(t.created_at),
            }
            for t in threads
        ],
        "posts": [
            {
                "id": p.id,
                "thread_id": p.thread_id,
                "network_id": p.network_id,
                "reply_to_id": p.reply_to_id,
                "body": p.body,
                "themes": list(p.themes),
                "links": list(p.links),
                "hidden": p.hidden,
                "deleted": p.deleted,
                "created_at": utc_text(p.created_at),
                "edited_at": utc_text(p.edited_at),
            }
            for p in posts
        ],
        "reports": [
            {"id": r.id, "post_id": r.post_id, "reason": r.reason, "created_at": utc_text(r.created_at)}
            for r in reports
        ],
    }


def erase_person(session, person_id):
    for thread in session.scalars(select(Thread).where(Thread.author_id == person_id)):
        thread.title = None
    for post in session.scalars(select(Post).where(Post.author_id == person_id)):
        post.body, post.links, post.themes, post.erased = None, [], [], True
    for report in session.scalars(select(PostReport).where(PostReport.reporter_id == person_id)):
        report.reason = None
