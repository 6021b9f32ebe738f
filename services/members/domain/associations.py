from sqlalchemy import select

from contracts.api import members as schemas
from nabo_common.api.errors import Conflict
from nabo_common.api.pagination import PageQuery, page, paginate
from nabo_common.api.validation import dump, load
from services.members.domain import access
from services.members.domain.common import get_or_404, publish
from services.members.models import Association


def _event_data(assoc):
    return {"association_id": assoc.id, "name": assoc.name, "slug": assoc.slug, "country": assoc.country,
            "default_language": assoc.default_language, "time_zone": assoc.time_zone}


def create(session, caller, payload):
    access.require_platform_admin(caller)
    data = load(schemas.AssociationCreate, payload)
    with session.begin():
        if session.scalar(select(Association.id).where(Association.slug == data["slug"])):
            raise Conflict("An association with slug '{slug}' exists already.", slug=data['slug'])
        assoc = Association(**data)
        session.add(assoc)
        session.flush()
        publish(session, "association.created", _event_data(assoc), caller, assoc.id)
    return dump(schemas.Association, assoc)


def get(session, caller, association_id):
    # associations are the public face of the tenants: names and countries are not private
    return dump(schemas.Association, get_or_404(session, Association, association_id, "Association"))


def list_(session, caller, query):
    q = load(PageQuery, query)
    rows, total = paginate(
        session, select(Association).order_by(Association.name, Association.id), q["limit"], q["offset"]
    )
    return page(dump(schemas.Association, rows, many=True), total, q["limit"], q["offset"])


def update(session, caller, association_id, payload):
    data = load(schemas.AssociationUpdate, payload)
    with session.begin():
        assoc = get_or_404(session, Association, association_id, "Association")
        access.require_admin_of(caller, assoc.id)
        for key, value in data.items():
            setattr(assoc, key, value)
        session.flush()
        publish(session, "association.updated", _event_data(assoc), caller, assoc.id)
    return dump(schemas.Association, assoc)


def exists(session, association_id):
    return session.get(Association, str(association_id)) is not None
