from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from contracts.api import members as schemas
from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.members.domain import access, reading, registry_numbers, themes
from services.members.domain.common import idempotent_calls, publish
from services.members.models import Association, Membership, Organisation


def _event_data(org, changed=()):
    data = {"organisation_id": org.id, "owner_association_id": org.owner_association_id, "name": org.name,
            "kind": org.kind, "country": org.country, "region": org.region, "sector": org.sector,
            "visibility": org.visibility, "changed": sorted(changed)}
    if "themes" in changed:
        data["themes"] = org.themes
    return data


DUPLICATE_REGISTRATION = N_("This association has registered an organisation with this registration number "
                             "already.")


def _check_registration(org, data):
    """A change of registry number, kind or country is checked against the stored rest."""
    if not {"registration_kind", "registration_number", "country"} & set(data):
        return
    kind = data.get("registration_kind", org.registration_kind)
    if kind:
        data["registration_number"] = registry_numbers.normalised(
            kind, data.get("registration_number", org.registration_number), data.get("country", org.country))


def visible_or_404(session, caller, organisation_id):
    org = session.get(Organisation, str(organisation_id)) if organisation_id else None
    access.not_found_unless(org is not None and not org.erased and access.can_see_organisation(caller, org),
                            "Organisation", organisation_id)
    return org


def create(session, caller, payload, call_key=None):
    access.require_authenticated(caller)
    data = load(schemas.OrganisationCreate, payload)
    owner = data.get("owner_association_id")
    if owner is None:
        if len(caller.admin_of) != 1:
            raise ValidationFailed("Say which association registers the organisation.",
                                   {"owner_association_id": ["Missing data for required field."]})
        owner = caller.admin_of[0]
    access.require_admin_of(caller, owner)
    data["owner_association_id"] = owner
    if data.get("registration_kind"):
        data["registration_number"] = registry_numbers.normalised(
            data["registration_kind"], data["registration_number"], data["country"])
    data["name_lower"] = data["name"].lower()
    theme_ids = data.pop("themes", [])

    def write():
        if session.get(Association, owner) is None:
            raise ValidationFailed("Unknown association.", {"owner_association_id": ["No such association."]})
        org = Organisation(**data)
        session.add(org)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(DUPLICATE_REGISTRATION) from None
        themes.set_organisation_themes(session, org, "profile", themes.check_theme_ids(session, theme_ids))
        session.flush()
        publish(session, "organisation.created", _event_data(org), caller, owner)
        return dump(schemas.Organisation, org)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_organisation", write)


def get(session, caller, organisation_id):
    return reading.organisation_view(session, caller, organisation_id)


def update(session, caller, organisation_id, payload):
    data = load(schemas.OrganisationUpdate, payload)
    with session.begin():
        org = visible_or_404(session, caller, organisation_id)
        if not access.can_edit_organisation(caller, org):
            raise Forbidden("Only the organisation's people or its association's admins may change it.")
        if "name" in data:
            data["name_lower"] = data["name"].lower()
        _check_registration(org, data)
        theme_ids = data.pop("themes", None)
        changed = {k for k, v in data.items() if getattr(org, k) != v and k != "name_lower"}
        if theme_ids is not None and themes.set_organisation_themes(
                session, org, "profile", themes.check_theme_ids(session, theme_ids)):
            changed.add("themes")
        for key, value in data.items():
            setattr(org, key, value)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(DUPLICATE_REGISTRATION) from None
        if changed:
            publish(
                session, "organisation.updated", _event_data(org, changed), caller, org.owner_association_id
            )
    return dump(schemas.Organisation, org)


def search(session, caller, query):
    q = load(schemas.OrganisationQuery, query)
    stmt = select(Organisation).where(
        Organisation.erased.is_(False), access.organisation_visibility_filter(caller)
    )
    if q.get("q"):
        like = f"%{q['q'].lower()}%"
        stmt = stmt.where(or_(Organisation.name_lower.like(like), Organisation.description.ilike(like)))
    if q.get("sector"):
        stmt = stmt.where(Organisation.sector.like(f"{q['sector']}%"))
    if q.get("country"):
        stmt = stmt.where(Organisation.country == q["country"])
    if q.get("region"):
        stmt = stmt.where(Organisation.region == q["region"])
    if q.get("association_id"):
        stmt = stmt.where(
            or_(
                Organisation.owner_association_id == q["association_id"],
                Organisation.id.in_(
                    select(Membership.organisation_id).where(Membership.association_id == q["association_id"])
                ),
            )
        )
    stmt = stmt.order_by(Organisation.name_lower, Organisation.id)
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(dump(schemas.Organisation, rows, many=True), total, q["limit"], q["offset"])
