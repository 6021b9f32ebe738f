"""What organisations offer and seek. Each item's themes are also kept in
org_theme (kind offer or need), which is what matchmaking joins on."""
from sqlalchemy import or_, select

from contracts.api import networks as schemas
from nabo_common.api.errors import Forbidden, NotFound
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from services.members.domain import access, themes
from services.members.domain.common import idempotent_calls, publish
from services.members.domain.organisations import visible_or_404
from services.members.models import OfferNeed, Organisation, OrganisationTheme


def _editable_or_error(session, caller, organisation_id):
    org = visible_or_404(session, caller, organisation_id)
    if not access.can_edit_organisation(caller, org):
        raise Forbidden(
            "Only the organisation's people or its association's admins may change its offers and needs."
        )
    return org


def _sync_org_themes(session, org, kind):
    session.flush()
    theme_ids = set()
    for item_themes in session.scalars(
        select(OfferNeed.themes).where(OfferNeed.organisation_id == org.id, OfferNeed.kind == kind)
    ):
        theme_ids.update(item_themes)
    themes.set_organisation_themes(session, org, kind, theme_ids)


def _announce(session, caller, org, item, event_type, changed=()):
    publish(
        session,
        event_type,
        {
            "offer_need_id": item.id,
            "organisation_id": org.id,
            "owner_association_id": org.owner_association_id,
            "kind": item.kind,
            "title": item.title,
            "themes": list(item.themes),
            "changed": sorted(changed),
        },
        caller,
        org.owner_association_id,
    )


def _item_or_404(session, org, item_id):
    item = session.get(OfferNeed, str(item_id)) if item_id else None
    if item is None or item.organisation_id != org.id:
        raise NotFound("Offer or need {item_id} not found.", item_id=item_id)
    return item


def list_for_organisation(session, caller, organisation_id, query):
    q = load(schemas.OfferNeedQuery, query)
    org = visible_or_404(session, caller, organisation_id)
    stmt = select(OfferNeed).where(OfferNeed.organisation_id == org.id)
    if q.get("kind"):
        stmt = stmt.where(OfferNeed.kind == q["kind"])
    rows, total = paginate(
        session, stmt.order_by(OfferNeed.kind, OfferNeed.created_at, OfferNeed.id), q["limit"], q["offset"]
    )
    return page(dump(schemas.OfferNeed, rows, many=True), total, q["limit"], q["offset"])


def create(session, caller, organisation_id, payload, call_key=None):
    access.require_authenticated(caller)
    data = load(schemas.OfferNeedCreate, payload)

    def write():
        org = _editable_or_error(session, caller, organisation_id)
        data["themes"] = themes.check_theme_ids(session, data["themes"])
        item = OfferNeed(organisation_id=org.id, **data)
        session.add(item)
        _sync_org_themes(session, org, item.kind)
        _announce(session, caller, org, item, "offer_need.created")
        session.flush()  # the view's values as committed, before the transaction ends
        return dump(schemas.OfferNeed, item)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_offer_or_need", write)


def update(session, caller, organisation_id, item_id, payload):
    access.require_authenticated(caller)
    data = load(schemas.OfferNeedUpdate, payload)
    with session.begin():
        org = _editable_or_error(session, caller, organisation_id)
        item = _item_or_404(session, org, item_id)
        if "themes" in data:
            data["themes"] = themes.check_theme_ids(session, data["themes"])
        for key, value in data.items():
            setattr(item, key, value)
        _sync_org_themes(session, org, item.kind)
        _announce(session, caller, org, item, "offer_need.updated", data)
    return dump(schemas.OfferNeed, item)


def delete(session, caller, organisation_id, item_id):
    access.require_authenticated(caller)
    with session.begin():
        org = _editable_or_error(session, caller, organisation_id)
        item = _item_or_404(session, org, item_id)
        session.delete(item)
        _sync_org_themes(session, org, item.kind)
        _announce(session, caller, org, item, "offer_need.deleted")
    return None


def search(session, caller, query):
    """The region's supply and demand: offers and needs of organisations the caller may see."""
    q = load(schemas.SupplyDemandQuery, query)
    stmt = (
        select(OfferNeed)
        .join(Organisation, Organisation.id == OfferNeed.organisation_id)
        .where(Organisation.erased.is_(False), access.organisation_visibility_filter(caller))
    )
    if q.get("kind"):
        stmt = stmt.where(OfferNeed.kind == q["kind"])
    if q.get("region"):
        stmt = stmt.where(or_(OfferNeed.region == q["region"], Organisation.region == q["region"]))
    if q.get("country"):
        stmt = stmt.where(Organisation.country == q["country"])
    if q.get("q"):
        like = f"%{q['q'].lower()}%"
        stmt = stmt.where(or_(OfferNeed.title.ilike(like), OfferNeed.description.ilike(like)))
    if q.get("theme"):
        # org_theme narrows to organisations with the theme; the item's own list decides exactly
        stmt = stmt.where(
            OfferNeed.organisation_id.in_(
                select(OrganisationTheme.organisation_id).where(
                    OrganisationTheme.theme_id == q["theme"], OrganisationTheme.kind == OfferNeed.kind
                )
            )
        )
        rows = [
            r
            for r in session.scalars(stmt.order_by(OfferNeed.created_at.desc(), OfferNeed.id)).all()
            if q["theme"] in r.themes
        ]
        items = rows[q["offset"] : q["offset"] + q["limit"]]
        return page(dump(schemas.OfferNeed, items, many=True), len(rows), q["limit"], q["offset"])
    rows, total = paginate(
        session, stmt.order_by(OfferNeed.created_at.desc(), OfferNeed.id), q["limit"], q["offset"]
    )
    return page(dump(schemas.OfferNeed, rows, many=True), total, q["limit"], q["offset"])
