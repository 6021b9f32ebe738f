"""Supports (one per person, counted per organisation too) and comments."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contracts.api import ideas as schemas
from nabo_common.api.errors import Conflict, Forbidden, NotFound
from nabo_common.api.pagination import PageQuery, page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.ideas.domain import access, views
from services.ideas.domain.common import idempotent_calls, publish
from services.ideas.domain.ideas import acting_organisation, idea_or_404
from services.ideas.models import Comment, Support

OPEN_PHASES = ("collecting_ideas", "reviewing", "catalogue_published", "following_up")


# what is refused, per way of taking part, in whole sentences a translator can render
REFUSED = {
    "support": (N_("Only the panel's participants support ideas."),
                N_("The panel takes no supports in phase {phase}."),
                N_("This idea was merged into {merged_into_id}; support that one.")),
    "comment": (N_("Only the panel's participants and facilitators comment."),
                N_("The panel takes no comments in phase {phase}."),
                N_("This idea was merged into {merged_into_id}; comment on that one.")),
}


def _open_for_participation(caller, panel, idea, what):
    not_taking_part, closed, merged = REFUSED[what]
    if not access.is_participant(caller, panel) and not (
        what == "comment" and access.is_admin(caller, panel)
    ):
        raise Forbidden(not_taking_part)
    if panel.phase not in OPEN_PHASES:
        raise Conflict(closed, phase=panel.phase)
    if idea.status == "merged":
        raise Conflict(merged, merged_into_id=idea.merged_into_id)


def summary(session, caller, panel, idea):
    return {
        "idea_id": idea.id,
        "support_count": idea.support_count,
        "supported_by_me": bool(views.supported_by(session, caller.person_id, [idea.id])),
        "supports_by_organisation": views.supports_by_organisation(session, panel, [idea.id]).get(
            idea.id, []
        ),
    }


def _support_event(session, caller, panel, idea, event_type, person_id, organisation_id):
    publish(
        session,
        event_type,
        {
            "idea_id": idea.id,
            "panel_id": panel.id,
            "association_id": panel.association_id,
            "person_id": person_id,
            "organisation_id": organisation_id,
            "support_count": idea.support_count,
        },
        caller,
        panel.association_id,
    )


def supports(session, caller, idea_id):
    idea, panel = idea_or_404(session, caller, idea_id)
    return summary(session, caller, panel, idea)


def support(session, caller, idea_id, payload):
    data = load(schemas.SupportCreate, payload)
    with session.begin():
        idea, panel = idea_or_404(session, caller, idea_id)
        _open_for_participation(caller, panel, idea, "support")
        if views.supported_by(session, caller.person_id, [idea.id]):
            raise Conflict("You support this idea already.")
        organisation_id = acting_organisation(caller, panel, data.get("organisation_id"))
        session.add(Support(idea_id=idea.id, person_id=caller.person_id, organisation_id=organisation_id))
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("You support this idea already.") from None
        idea.support_count = views.count_supports(session, idea.id)
        _support_event(session, caller, panel, idea, "idea.supported", caller.person_id, organisation_id)
    return summary(session, caller, panel, idea)


def withdraw_support(session, caller, idea_id):
    with session.begin():
        idea, panel = idea_or_404(session, caller, idea_id)
        row = session.scalar(
            select(Support).where(Support.idea_id == idea.id, Support.person_id == caller.person_id)
        )
        if row is None:
            raise NotFound("You do not support this idea.")
        session.delete(row)
        session.flush()
        idea.support_count = views.count_supports(session, idea.id)
        _support_event(
            session, caller, panel, idea, "idea.support_withdrawn", caller.person_id, row.organisation_id
        )
    return summary(session, caller, panel, idea)


def comment_views(session, comments):
    names = views.person_names(session, [c.person_id for c in comments])
    result = []
    for comment in comments:
        data = dump(schemas.IdeaComment, comment)
        data["author_name"] = names.get(comment.person_id)
        data["moved_from_idea_id"] = comment.given_to_idea_id
        result.append(data)
    return result


def comment(session, caller, idea_id, payload, call_key=None):
    data = load(schemas.CommentCreate, payload)

    def write():
        idea, panel = idea_or_404(session, caller, idea_id)
        _open_for_participation(caller, panel, idea, "comment")
        organisation_id = acting_organisation(caller, panel) if access.is_participant(caller, panel) else None
        row = Comment(
            idea_id=idea.id, person_id=caller.person_id, organisation_id=organisation_id, body=data["body"]
        )
        session.add(row)
        idea.comment_count += 1
        session.flush()
        publish(
            session,
            "idea.commented",
            {
                "idea_id": idea.id,
                "panel_id": panel.id,
                "association_id": panel.association_id,
                "comment_id": row.id,
                "person_id": caller.person_id,
                "idea_title": idea.title,
                "submitter_person_id": idea.submitter_person_id,
            },
            caller,
            panel.association_id,
        )
        return comment_views(session, [row])[0]

    with session.begin():
        return idempotent_calls.once(session, call_key, "comment_idea", write)


def comments(session, caller, idea_id, query):
    q = load(PageQuery, query)
    idea, _panel = idea_or_404(session, caller, idea_id)
    stmt = select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.created_at, Comment.id)
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(comment_views(session, rows), total, q["limit"], q["offset"])
