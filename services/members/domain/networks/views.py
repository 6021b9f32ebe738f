"""What callers see of a network and of its members."""
from sqlalchemy import func, select

from nabo_common.api.moments import utc_text
from services.members.domain.themes import label_and_language
from services.members.models import NetworkMember, Person


def network_view(network, member_count, mine, language="en"):
    display_name, name_language = label_and_language(network.name, language)
    return {
        "id": network.id,
        "name": dict(network.name),
        "display_name": display_name,
        "name_language": name_language,
        "description": dict(network.description),
        "themes": sorted(link.theme_id for link in network.theme_links),
        "owners": [{"association_id": o.association_id, "status": o.status} for o in network.owners],
        "join_policy": network.join_policy,
        "visibility": network.visibility,
        "activity": network.activity,
        "last_activity_at": utc_text(network.last_activity_at),
        "eligibility": {
            "association_ids": list(network.eligible_association_ids),
            "max_age": network.max_age,
        },
        "external_link": network.external_link,
        "member_count": member_count,
        "my_status": mine.status if mine else None,
        "my_role": mine.role if mine else None,
        "created_at": utc_text(network.created_at),
        "updated_at": utc_text(network.updated_at),
    }


def network_views(session, caller, networks):
    """Views of ``networks`` with their member counts and the caller's own standing, in two queries."""
    ids = [n.id for n in networks]
    counts, mine = {}, {}
    if ids:
        counts = dict(
            session.execute(
                select(NetworkMember.network_id, func.count())
                .where(NetworkMember.network_id.in_(ids), NetworkMember.status == "active")
                .group_by(NetworkMember.network_id)
            ).all()
        )
        if caller.person_id:
            mine = {
                m.network_id: m
                for m in session.scalars(
                    select(NetworkMember).where(
                        NetworkMember.network_id.in_(ids), NetworkMember.person_id == caller.person_id
                    )
                )
            }
    return [network_view(n, counts.get(n.id, 0), mine.get(n.id), caller.language) for n in networks]


def network_result(session, caller, network):
    return network_views(session, caller, [network])[0]


def member_view(member, person_name):
    return {
        "person_id": member.person_id,
        "name": person_name,
        "role": member.role,
        "status": member.status,
        "message": member.message,
        "joined_at": utc_text(member.joined_at),
        "created_at": utc_text(member.created_at),
    }


def member_result(session, member):
    return member_view(member, session.scalar(select(Person.name).where(Person.id == member.person_id)))
