"""Persons, their roles in organisations and associations, and consents."""
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from contracts.api import members as schemas
from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from services.members.domain import access
from services.members.domain.accounts import hash_password, normalise_email
from services.members.domain.common import publish
from services.members.models import Association, Consent, Membership, Organisation, Person, PersonRole


def person_view(person):
    data = dump(schemas.Person, person)
    data["erased"] = person.erased_at is not None
    return data


def person_event_data(person):
    return {"person_id": person.id, "name": person.name, "email": person.email, "language": person.language,
            "birth_year": person.birth_year, "home_association_id": person.home_association_id,
            "roles": [{"scope": r.scope, "scope_id": r.scope_id, "role": r.role} for r in person.roles]}


def _check_org_roles(session, caller, organisations):
    for entry in organisations:
        org = session.get(Organisation, entry["organisation_id"])
        if org is None or org.erased:
            raise ValidationFailed("Unknown organisation.", {"organisations": ["No such organisation."]})
        if not access.can_edit_organisation(caller, org) and not any(
                caller.administers(a) for a in access.organisation_associations(org)):
            raise Forbidden("You may only add people to organisations of your association.")


def create(session, caller, payload):
    access.require_authenticated(caller)
    data = load(schemas.PersonCreate, payload)
    home = data.get("home_association_id")
    if home is None and len(caller.admin_of) == 1:
        home = caller.admin_of[0]
    if home is not None:
        access.require_admin_of(caller, home)
    elif not caller.is_privileged:
        raise Forbidden("Only association admins register persons.")
    with session.begin():
        if home is not None and session.get(Association, home) is None:
            raise ValidationFailed("Unknown association.", {"home_association_id": ["No such association."]})
        _check_org_roles(session, caller, data["organisations"])
        person = Person(
            name=data["name"], email=normalise_email(data["email"]), phone=data.get("phone"),
            language=data["language"], birth_year=data.get("birth_year"), home_association_id=home,
            password_hash=hash_password(data["password"]) if data.get("password") else None,
        )
        person.roles = [PersonRole(scope="organisation", scope_id=e["organisation_id"], role=e["role"])
                        for e in data["organisations"]]
        session.add(person)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("A person with this e-mail is registered already.") from None
        publish(session, "person.created", person_event_data(person), caller, home)
    return person_view(person)


def get(session, caller, person_id):
    access.require_authenticated(caller)
    return person_view(access.person_or_404(session, caller, person_id))


def update(session, caller, person_id, payload):
    access.require_authenticated(caller)
    data = load(schemas.PersonUpdate, payload)
    with session.begin():
        person = access.person_or_404(session, caller, person_id)
        if person.erased_at is not None:
            raise Conflict("An erased person cannot be changed.")
        if "email" in data:
            data["email"] = normalise_email(data["email"])
        if "password" in data:
            if caller.person_id != person.id:
                raise Forbidden("Only the person themself may set their password.")
            person.password_hash = hash_password(data.pop("password"))
        for key, value in data.items():
            setattr(person, key, value)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("A person with this e-mail is registered already.") from None
        publish(session, "person.updated", person_event_data(person), caller, person.home_association_id)
    return person_view(person)


def grant_role(session, caller, person_id, payload):
    data = load(schemas.PersonRoleGrant, payload)
    with session.begin():
        person = access.person_or_404(session, caller, person_id)
        if data["scope"] == "association":
            if data["role"] != "admin":
                raise ValidationFailed("Associations have admins only.", {"role": ["Must be admin."]})
            if session.get(Association, data["scope_id"]) is None:
                raise ValidationFailed("Unknown association.", {"scope_id": ["No such association."]})
            # association admins are appointed by the platform, or by fellow admins of that association
            access.require_admin_of(caller, data["scope_id"])
        else:
            if data["role"] == "admin":
                raise ValidationFailed(
                    "Organisations have no admin role.", {"role": ["Use an organisation role."]}
                )
            _check_org_roles(session, caller, [{"organisation_id": data["scope_id"]}])
        if any(
            r.scope == data["scope"] and r.scope_id == data["scope_id"] and r.role == data["role"]
            for r in person.roles
        ):
            raise Conflict("The person has this role already.")
        person.roles.append(PersonRole(**data))
        session.flush()
        publish(session, "person.updated", person_event_data(person), caller, person.home_association_id)
        in_association = data["scope_id"] if data["scope"] == "association" else person.home_association_id
        publish(
            session,
            "person.role_granted",
            dict(data, person_id=person.id, association_id=in_association),
            caller,
            in_association,
        )
    return person_view(person)


def search(session, caller, query):
    access.require_authenticated(caller)
    q = load(schemas.PersonQuery, query)
    stmt = select(Person).where(Person.erased_at.is_(None), access.person_scope_filter(caller))
    if q.get("q"):
        like = f"%{q['q'].lower()}%"
        stmt = stmt.where(or_(Person.name.ilike(like), Person.email.like(like)))
    if q.get("organisation_id"):
        stmt = stmt.where(
            Person.roles.any(
                (PersonRole.scope == "organisation") & (PersonRole.scope_id == q["organisation_id"])
            )
        )
    if q.get("association_id"):
        aid = q["association_id"]
        orgs = select(Membership.organisation_id).where(Membership.association_id == aid)
        stmt = stmt.where(
            or_(
                Person.home_association_id == aid,
                Person.roles.any(
                    ((PersonRole.scope == "association") & (PersonRole.scope_id == aid))
                    | ((PersonRole.scope == "organisation") & PersonRole.scope_id.in_(orgs))
                ),
            )
        )
    rows, total = paginate(session, stmt.order_by(Person.name, Person.id), q["limit"], q["offset"])
    return page([person_view(p) for p in rows], total, q["limit"], q["offset"])


# --- consents ---------------------------------------------------------------


def _consent_state(session, person_id):
    history = session.scalars(
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.recorded_at, Consent.id)
    ).all()
    current = {}
    for record in history:
        current[(record.association_id, record.kind)] = record
    return {
        "current": dump(schemas.ConsentRecord, list(current.values()), many=True),
        "history": dump(schemas.ConsentRecord, history, many=True),
    }


def consents(session, caller, person_id):
    access.require_authenticated(caller)
    person = access.person_or_404(session, caller, person_id)
    state = _consent_state(session, person.id)
    if not caller.is_privileged and caller.person_id != person.id:
        # an admin sees the consents given to their own association only
        for key in ("current", "history"):
            state[key] = [c for c in state[key] if caller.administers(c["association_id"])]
    return state


def record_consent(session, caller, person_id, payload):
    access.require_authenticated(caller)
    data = load(schemas.ConsentCreate, payload)
    with session.begin():
        person = access.person_or_404(session, caller, person_id)
        if caller.person_id != person.id and not caller.administers(data["association_id"]):
            raise Forbidden("Only the person or an admin of that association records their consent.")
        _record_consent(session, caller, person, data)
    return _consent_state(session, person.id)


def _record_consent(session, caller, person, data):
    if session.get(Association, data["association_id"]) is None:
        raise ValidationFailed("Unknown association.", {"association_id": ["No such association."]})
    record = Consent(person_id=person.id, recorded_at=datetime.now(timezone.utc), **data)
    session.add(record)
    session.flush()
    publish(
        session,
        "consent.changed",
        {
            "person_id": person.id,
            "association_id": record.association_id,
            "kind": record.kind,
            "granted": record.granted,
            "source": record.source,
            "wording_version": record.wording_version,
            "recorded_at": record.recorded_at.isoformat(),
        },
        caller,
        record.association_id,
    )
    return record


def withdraw_consent_from_event(session, caller, data):
    """Applied when another service (unsubscribe) asks to withdraw a consent."""
    person = session.get(Person, data["person_id"])
    if person is None:
        return None
    return _record_consent(
        session,
        caller,
        person,
        {
            "association_id": data["association_id"],
            "kind": data["kind"],
            "granted": False,
            "source": data.get("source", "unsubscribe"),
            "wording_version": data.get("wording_version", "unsubscribe"),
        },
    )
