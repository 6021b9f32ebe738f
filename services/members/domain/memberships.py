"""Memberships: an organisation in an association, with dated status transitions."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contracts.api import members as schemas
from nabo_common.api.errors import Conflict, NotFound, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.members.domain import access
from services.members.domain.common import publish
from services.members.models import Association, Membership, MembershipTransition, Organisation

ALLOWED = {
    "pending": {"active", "cancelled"},
    "active": {"lapsed", "cancelled"},
    "lapsed": {"active", "cancelled"},
    "cancelled": set(),
}


def _event_data(m, previous=None, effective=None):
    return {"membership_id": m.id, "organisation_id": m.organisation_id, "association_id": m.association_id,
            "type": m.type, "status": m.status, "previous_status": previous,
            "effective_date": effective.isoformat() if effective else None,
            "end_date": m.end_date.isoformat() if m.end_date else None}


def _visible_or_404(session, caller, membership_id):
    m = session.get(Membership, str(membership_id)) if membership_id else None
    if m is None:
        raise NotFound("Membership {membership_id} not found.", membership_id=membership_id)
    if not (caller.belongs_to(m.association_id) or m.organisation_id in caller.organisation_ids):
        raise NotFound("Membership {membership_id} not found.", membership_id=membership_id)
    return m


def create(session, caller, payload):
    data = load(schemas.MembershipCreate, payload)
    access.require_admin_of(caller, data["association_id"])
    with session.begin():
        if session.get(Association, data["association_id"]) is None:
            raise ValidationFailed("Unknown association.", {"association_id": ["No such association."]})
        org = session.get(Organisation, data["organisation_id"])
        if org is None or org.erased or not access.can_see_organisation(caller, org):
            raise ValidationFailed("Unknown organisation.", {"organisation_id": ["No such organisation."]})
        m = Membership(status="pending", **data)
        session.add(m)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("This organisation has a membership in this association already.") from None
        session.add(MembershipTransition(membership_id=m.id, from_status=None, to_status="pending",
                                         effective_date=data.get("start_date") or date.today(),
                                         by_person_id=caller.person_id))
        publish(session, "membership.created", _event_data(m), caller, m.association_id)
    session.refresh(m)
    return dump(schemas.Membership, m)


def get(session, caller, membership_id):
    return dump(schemas.Membership, _visible_or_404(session, caller, membership_id))


def update(session, caller, membership_id, payload):
    data = load(schemas.MembershipUpdate, payload)
    with session.begin():
        m = _visible_or_404(session, caller, membership_id)
        access.require_admin_of(caller, m.association_id)
        if data.get("end_date"):
            _not_before_start(m, data["end_date"], "end_date")
        for key, value in data.items():
            setattr(m, key, value)
        session.flush()
        publish(session, "membership.updated", _event_data(m), caller, m.association_id)
    return dump(schemas.Membership, m)


def _not_before_start(m, day, field):
    if m.start_date and day < m.start_date:
        raise ValidationFailed("A membership cannot end before it starts.",
                               {field: [N_("Must not be before start_date ({start_date}).").format(
                                   start_date=m.start_date.isoformat())]})


def transition(session, caller, membership_id, payload):
    data = load(schemas.MembershipTransitionCreate, payload)
    with session.begin():
        m = _visible_or_404(session, caller, membership_id)
        access.require_admin_of(caller, m.association_id)
        _move(session, caller, m, data["to"], data.get("effective_date") or date.today(), data.get("reason"))
    session.refresh(m)
    return dump(schemas.Membership, m)


def renew(session, caller, membership_id, payload):
    data = load(schemas.MembershipRenewal, payload)
    with session.begin():
        m = _visible_or_404(session, caller, membership_id)
        access.require_admin_of(caller, m.association_id)
        if m.status == "cancelled" or m.status == "pending":
            raise Conflict("A {status} membership cannot be renewed.", status=m.status)
        _not_before_start(m, data["end_date"], "end_date")
        m.end_date = data["end_date"]
        if m.status == "lapsed":
            _move(session, caller, m, "active", date.today(), "renewed")
        else:
            session.add(MembershipTransition(membership_id=m.id, from_status="active", to_status="active",
                                             effective_date=date.today(), reason="renewed",
                                             by_person_id=caller.person_id))
            publish(session, "membership.status_changed", _event_data(m, "active", date.today()),
                    caller, m.association_id)
    session.refresh(m)
    return dump(schemas.Membership, m)


def _move(session, caller, m, to, effective, reason):
    if to not in ALLOWED[m.status]:
        raise Conflict("A membership cannot go from {status} to {to}.", status=m.status, to=to)
    previous = m.status
    m.status = to
    if to == "active" and m.start_date is None:
        m.start_date = effective
    if to in ("lapsed", "cancelled"):
        _not_before_start(m, effective, "effective_date")
        m.end_date = effective
    session.add(MembershipTransition(membership_id=m.id, from_status=previous, to_status=to,
                                     effective_date=effective, reason=reason, by_person_id=caller.person_id))
    session.flush()
    publish(
        session, "membership.status_changed", _event_data(m, previous, effective), caller, m.association_id
    )


def search(session, caller, query):
    q = load(schemas.MembershipQuery, query)
    access.require_authenticated(caller)
    stmt = select(Membership)
    visible = caller.visible_associations
    if visible is not None:
        stmt = stmt.where(
            Membership.association_id.in_(visible) | Membership.organisation_id.in_(caller.organisation_ids)
        )
    for key in ("association_id", "organisation_id", "status"):
        if q.get(key):
            stmt = stmt.where(getattr(Membership, key) == q[key])
    rows, total = paginate(
        session, stmt.order_by(Membership.created_at, Membership.id), q["limit"], q["offset"]
    )
    return page(dump(schemas.Membership, rows, many=True), total, q["limit"], q["offset"])
