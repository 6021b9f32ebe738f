"""Turning ideas into JSON-ready views, with names from the read models and
supports per organisation."""
from sqlalchemy import func, select

from contracts.api import ideas as schemas
from nabo_common.api.validation import dump
from services.ideas.models import OrganisationCard, PersonCard, Support


def organisation_names(panel):
    return {p.organisation_id: p.name for p in panel.participants if p.organisation_id}


def person_names(session, person_ids):
    ids = [i for i in set(person_ids) if i]
    if not ids:
        return {}
    return dict(
        session.execute(
            select(PersonCard.person_id, PersonCard.name).where(PersonCard.person_id.in_(ids))
        ).all()
    )


def sub_theme_keys(panel):
    return {s.id: s.key for s in panel.sub_themes}


def supported_by(session, person_id, idea_ids):
    if not person_id or not idea_ids:
        return set()
    return set(
        session.scalars(
            select(Support.idea_id).where(Support.person_id == person_id, Support.idea_id.in_(list(idea_ids)))
        )
    )


def supports_by_organisation(session, panel, idea_ids):
    """{idea_id: [{organisation_id, name, supports}]}, most supports first."""
    if not idea_ids:
        return {}
    rows = session.execute(
        select(Support.idea_id, Support.organisation_id, func.count())
        .where(Support.idea_id.in_(list(idea_ids)))
        .group_by(Support.idea_id, Support.organisation_id)
    ).all()
    names = organisation_names(panel)
    # a support may be given for an organisation that is not itself a participant (that of a participating
    # person)
    unnamed = {org_id for _idea, org_id, _count in rows if org_id and org_id not in names}
    if unnamed:
        names.update(
            session.execute(
                select(OrganisationCard.organisation_id, OrganisationCard.name).where(
                    OrganisationCard.organisation_id.in_(unnamed)
                )
            ).all()
        )
    result = {}
    for idea_id, org_id, count in rows:
        result.setdefault(idea_id, []).append(
            {"organisation_id": org_id, "name": names.get(org_id), "supports": count}
        )
    for counts in result.values():
        counts.sort(key=lambda c: (-c["supports"], c["name"] or "~"))
    return result


def idea_views(session, caller, panel, ideas):
    persons = person_names(session, [i.submitter_person_id for i in ideas])
    orgs = organisation_names(panel)
    keys = sub_theme_keys(panel)
    mine = supported_by(session, caller.person_id, [i.id for i in ideas])
    views = []
    for idea in ideas:
        data = dump(schemas.Idea, idea)
        data.update(
            sub_theme=keys.get(idea.sub_theme_id),
            submitter_name=persons.get(idea.submitter_person_id),
            submitter_organisation_name=orgs.get(idea.submitter_organisation_id),
            recorded_by_facilitator=idea.recorded_by_person_id is not None,
            supported_by_me=idea.id in mine,
        )
        views.append(data)
    return views


def idea_view(session, caller, panel, idea):
    return idea_views(session, caller, panel, [idea])[0]


def idea_ref(idea):
    return {"id": idea.id, "title": idea.title, "status": idea.status}


def event_state(idea, panel):
    """The idea's state carried by every idea.* event."""
    return {
        "idea_id": idea.id,
        "panel_id": idea.panel_id,
        "association_id": idea.association_id,
        "title": idea.title,
        "status": idea.status,
        "sub_theme": sub_theme_keys(panel).get(idea.sub_theme_id),
        "submitter_person_id": idea.submitter_person_id,
        "submitter_organisation_id": idea.submitter_organisation_id,
    }


def count_supports(session, idea_id):
    return session.scalar(select(func.count()).select_from(Support).where(Support.idea_id == idea_id)) or 0
