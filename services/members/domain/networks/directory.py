"""Finding networks: one by id, or a page of those the caller may see, by
text, theme, owner, country, language, activity and join policy."""
from sqlalchemy import select

from contracts.api import networks as schemas
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import load
from services.members.domain import access, themes
from services.members.domain.networks.views import network_result, network_views
from services.members.domain.networks.visibility import visibility_filter, visible_or_404
from services.members.models import Association, Network, NetworkMember, NetworkOwner, NetworkTheme


def get(session, caller, network_id):
    return network_result(session, caller, visible_or_404(session, caller, network_id))


def search(session, caller, query):
    q = load(schemas.NetworkQuery, query)
    stmt = select(Network).where(visibility_filter(caller))
    if q.get("q"):
        stmt = stmt.where(Network.search_text.like(f"%{q['q'].lower()}%"))
    if q.get("theme"):
        stmt = stmt.where(Network.id.in_(select(NetworkTheme.network_id).where(
            NetworkTheme.theme_id.in_(themes.with_sub_themes(session, q["theme"])))))
    active_owner = select(NetworkOwner.network_id).where(NetworkOwner.status == "active")
    if q.get("association_id"):
        stmt = stmt.where(
            Network.id.in_(active_owner.where(NetworkOwner.association_id == q["association_id"]))
        )
    if q.get("country"):
        stmt = stmt.where(
            Network.id.in_(
                active_owner.join(Association, Association.id == NetworkOwner.association_id).where(
                    Association.country == q["country"]
                )
            )
        )
    if q.get("language"):
        stmt = stmt.where(Network.languages.like(f"%,{q['language']},%"))
    for key in ("activity", "join_policy"):
        if q.get(key):
            stmt = stmt.where(getattr(Network, key) == q[key])
    if q.get("mine"):
        access.require_authenticated(caller)
        stmt = stmt.where(
            Network.id.in_(
                select(NetworkMember.network_id).where(NetworkMember.person_id == caller.person_id)
            )
        )
    stmt = stmt.order_by(Network.activity, Network.created_at.desc(), Network.id)
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(network_views(session, caller, rows), total, q["limit"], q["offset"])
