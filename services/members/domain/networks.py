"""Networks (communities): started by anyone signed in, owned by one or more
associations (a second owner must agree), convened by their conveners and
the owning associations' admins, joined openly, on request or by invitation."""
from datetime import datetime, timezone

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError

from nabo_common.api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from nabo_common.api.pagination import page, paginate
from contracts.api import networks as schemas
from nabo_common.api.validation import load
from services.members.domain import access, themes
from services.members.domain.accounts import claims_for
from services.members.domain.common import publish
from services.members.models import (
    Association, Network, NetworkMember, NetworkOwner, NetworkTheme, Person,
)

PROFILE_FIELDS = ("name", "description", "join_policy", "visibility", "external_link", "activity")


def _now():
    return datetime.now(timezone.utc)


# --- reading a network ------------------------------------------------------------

def active_owner_ids(network):
    return [o.association_id for o in network.owners if o.status == "active"]


def display_name(network, language="en"):
    return themes.label(network.name, language)


def _membership(session, network_id, person_id):
    if not person_id:
        return None
    return session.scalar(select(NetworkMember).where(NetworkMember.network_id == network_id,
                                                      NetworkMember.person_id == person_id))


def convener_ids(session, network_id):
    return sorted(session.scalars(select(NetworkMember.person_id).where(
        NetworkMember.network_id == network_id, NetworkMember.role == "convener",
        NetworkMember.status == "active")).all())


def can_see(caller, network, membership):
    if caller.is_privileged or network.visibility == "public":
        return True
    if not caller.authenticated:
        return False
    if network.visibility == "all_associations" or membership is not None:
        return True
    return any(caller.belongs_to(a) for a in active_owner_ids(network)) or any(
        caller.administers(o.association_id) for o in network.owners)


def visibility_filter(caller):
    """SQL condition mirroring can_see."""
    if caller.is_privileged:
        return true()
    if not caller.authenticated:
        return Network.visibility == "public"
    mine = list(caller.visible_associations or ())
    admin_of = list(caller.admin_of)
    return or_(
        Network.visibility.in_(["public", "all_associations"]),
        exists(select(NetworkOwner.network_id).where(
            NetworkOwner.network_id == Network.id,
            or_(and_(NetworkOwner.status == "active", NetworkOwner.association_id.in_(mine)) if mine else false(),
                NetworkOwner.association_id.in_(admin_of) if admin_of else false()))),
        exists(select(NetworkMember.id).where(NetworkMember.network_id == Network.id,
                                              NetworkMember.person_id == caller.person_id))
        if caller.person_id else false(),
    )


def visible_or_404(session, caller, network_id):
    network = session.get(Network, str(network_id)) if network_id else None
    if network is None or not can_see(caller, network, _membership(session, network.id, caller.person_id)):
        raise NotFound(f"Network {network_id} not found.")
    return network


def can_convene(session, caller, network):
    if caller.is_privileged or any(caller.administers(a) for a in active_owner_ids(network)):
        return True
    mine = _membership(session, network.id, caller.person_id)
    return mine is not None and mine.status == "active" and mine.role == "convener"


def require_convener(session, caller, network):
    access.require_authenticated(caller)
    if not can_convene(session, caller, network):
        raise Forbidden("Only the network's conveners or its associations' admins may do this.")


def network_view(network, member_count, mine):
    return {
        "id": network.id, "name": dict(network.name), "description": dict(network.description),
        "themes": sorted(link.theme_id for link in network.theme_links),
        "owners": [{"association_id": o.association_id, "status": o.status} for o in network.owners],
        "join_policy": network.join_policy, "visibility": network.visibility, "activity": network.activity,
        "eligibility": {"association_ids": list(network.eligible_association_ids), "max_age": network.max_age},
        "external_link": network.external_link, "member_count": member_count,
        "my_status": mine.status if mine else None, "my_role": mine.role if mine else None,
        "created_at": network.created_at.isoformat(), "updated_at": network.updated_at.isoformat(),
    }


def _views(session, caller, networks):
    ids = [n.id for n in networks]
    counts, mine = {}, {}
    if ids:
        counts = dict(session.execute(select(NetworkMember.network_id, func.count()).where(
            NetworkMember.network_id.in_(ids), NetworkMember.status == "active")
            .group_by(NetworkMember.network_id)).all())
        if caller.person_id:
            mine = {m.network_id: m for m in session.scalars(select(NetworkMember).where(
                NetworkMember.network_id.in_(ids), NetworkMember.person_id == caller.person_id))}
    return [network_view(n, counts.get(n.id, 0), mine.get(n.id)) for n in networks]


def _view(session, caller, network):
    return _views(session, caller, [network])[0]


def _member_view(member, person_name):
    return {"person_id": member.person_id, "name": person_name, "role": member.role, "status": member.status,
            "message": member.message, "joined_at": member.joined_at.isoformat() if member.joined_at else None,
            "created_at": member.created_at.isoformat()}


# --- events ---------------------------------------------------------------------------

def _network_event(session, network, changed=()):
    return {"network_id": network.id, "name": display_name(network), "names": dict(network.name),
            "association_ids": active_owner_ids(network),
            "themes": sorted(link.theme_id for link in network.theme_links), "join_policy": network.join_policy,
            "visibility": network.visibility, "activity": network.activity,
            "convener_person_ids": convener_ids(session, network.id), "changed": sorted(changed)}


def _publish(session, caller, network, event_type, data):
    owners = active_owner_ids(network)
    publish(session, event_type, data, caller, owners[0] if owners else None)


def _publish_member(session, caller, network, event_type, person_id):
    _publish(session, caller, network, event_type, {
        "network_id": network.id, "person_id": person_id, "association_ids": active_owner_ids(network),
        "name": display_name(network), "by_person_id": caller.person_id})


# --- profile -----------------------------------------------------------------------------

def _search_fields(name, description):
    texts = [*name.values(), *description.values()]
    languages = sorted({lang for lang, text in (*name.items(), *description.items()) if text})
    return "\n".join(texts).lower(), "," + ",".join(languages) + ","


def _check_associations(session, association_ids, field):
    for association_id in association_ids:
        if session.get(Association, association_id) is None:
            raise ValidationFailed("Unknown association.", {field: [f"No such association: {association_id}."]})


def _apply_eligibility(session, network, eligibility):
    association_ids = list(dict.fromkeys(eligibility.get("association_ids") or ()))
    _check_associations(session, association_ids, "eligibility")
    network.eligible_association_ids = association_ids
    network.max_age = eligibility.get("max_age")


def _set_themes(session, network, theme_ids):
    wanted = themes.check_theme_ids(session, theme_ids)
    if set(wanted) == {link.theme_id for link in network.theme_links}:
        return False
    kept = [link for link in network.theme_links if link.theme_id in wanted]
    present = {link.theme_id for link in kept}
    network.theme_links = kept + [NetworkTheme(network_id=network.id, theme_id=t) for t in wanted if t not in present]
    return True


def create(session, caller, payload):
    access.require_authenticated(caller)
    data = load(schemas.NetworkCreate, payload)
    if not caller.person_id:
        raise Forbidden("A person starts a network.")
    owners = list(dict.fromkeys(data["association_ids"]))
    home = next((a for a in owners if caller.belongs_to(a)), None)
    if home is None:
        raise Forbidden("Start a network in an association you belong to; others can then be asked to co-own it.")
    with session.begin():
        _check_associations(session, owners, "association_ids")
        search_text, languages = _search_fields(data["name"], data["description"])
        network = Network(name=data["name"], description=data["description"], search_text=search_text,
                          languages=languages, join_policy=data["join_policy"], visibility=data["visibility"],
                          external_link=data.get("external_link"), created_by=caller.person_id)
        _apply_eligibility(session, network, data["eligibility"])
        # a second association owns the network only once its admin agrees
        network.owners = [NetworkOwner(association_id=a, status="active" if a == home or caller.administers(a)
                                       else "pending") for a in owners]
        session.add(network)
        session.flush()
        _set_themes(session, network, data["themes"])
        session.add(NetworkMember(network_id=network.id, person_id=caller.person_id, role="convener",
                                  status="active", joined_at=_now()))
        session.flush()
        _publish(session, caller, network, "network.created", _network_event(session, network))
        _publish_member(session, caller, network, "network.member_joined", caller.person_id)
    return _view(session, caller, network)


def get(session, caller, network_id):
    return _view(session, caller, visible_or_404(session, caller, network_id))


def update(session, caller, network_id, payload):
    data = load(schemas.NetworkUpdate, payload)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        require_convener(session, caller, network)
        changed = {k for k in PROFILE_FIELDS if k in data and getattr(network, k) != data[k]}
        for key in changed:
            setattr(network, key, data[key])
        if "eligibility" in data:
            before = (list(network.eligible_association_ids), network.max_age)
            _apply_eligibility(session, network, data["eligibility"])
            if before != (network.eligible_association_ids, network.max_age):
                changed.add("eligibility")
        if "themes" in data and _set_themes(session, network, data["themes"]):
            changed.add("themes")
        network.search_text, network.languages = _search_fields(network.name, network.description)
        session.flush()
        if changed:
            _publish(session, caller, network, "network.updated", _network_event(session, network, changed))
    return _view(session, caller, network)


def wake(session, caller, network_id):
    """Any member may wake a dormant network when a question comes up."""
    access.require_authenticated(caller)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        mine = _membership(session, network.id, caller.person_id)
        if not (mine is not None and mine.status == "active") and not can_convene(session, caller, network):
            raise Forbidden("Only the network's members may wake it.")
        if network.activity != "dormant":
            raise Conflict("The network is active already.")
        network.activity = "active"
        session.flush()
        _publish(session, caller, network, "network.updated", _network_event(session, network, {"activity"}))
    return _view(session, caller, network)


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
        stmt = stmt.where(Network.id.in_(active_owner.where(NetworkOwner.association_id == q["association_id"])))
    if q.get("country"):
        stmt = stmt.where(Network.id.in_(active_owner.join(
            Association, Association.id == NetworkOwner.association_id).where(Association.country == q["country"])))
    if q.get("language"):
        stmt = stmt.where(Network.languages.like(f"%,{q['language']},%"))
    for key in ("activity", "join_policy"):
        if q.get(key):
            stmt = stmt.where(getattr(Network, key) == q[key])
    if q.get("mine"):
        access.require_authenticated(caller)
        stmt = stmt.where(Network.id.in_(select(NetworkMember.network_id).where(
            NetworkMember.person_id == caller.person_id)))
    stmt = stmt.order_by(Network.activity, Network.created_at.desc(), Network.id)
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(_views(session, caller, rows), total, q["limit"], q["offset"])


# --- owners ------------------------------------------------------------------------------

def add_owner(session, caller, network_id, payload):
    data = load(schemas.OwnerAdd, payload)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        require_convener(session, caller, network)
        association_id = data["association_id"]
        _check_associations(session, [association_id], "association_id")
        if any(o.association_id == association_id for o in network.owners):
            raise Conflict("This association owns the network already, or has been asked to.")
        status = "active" if caller.administers(association_id) else "pending"
        network.owners.append(NetworkOwner(network_id=network.id, association_id=association_id, status=status))
        session.flush()
        if status == "active":
            _publish(session, caller, network, "network.updated", _network_event(session, network, {"owners"}))
    return _view(session, caller, network)


def decide_owner(session, caller, network_id, association_id, payload):
    data = load(schemas.OwnerDecision, payload)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        owner = next((o for o in network.owners if o.association_id == association_id), None)
        if owner is None or owner.status != "pending":
            raise NotFound(f"No pending ownership of association {association_id}.")
        access.require_admin_of(caller, association_id)
        if data["decision"] == "approved":
            owner.status = "active"
        else:
            network.owners.remove(owner)
        session.flush()
        if data["decision"] == "approved":
            _publish(session, caller, network, "network.updated", _network_event(session, network, {"owners"}))
    return _view(session, caller, network)


# --- members -----------------------------------------------------------------------------

def check_eligible(session, network, person):
    """Raise Forbidden unless ``person`` may be in ``network``."""
    if network.eligible_association_ids:
        claims = claims_for(session, person)
        if not set(network.eligible_association_ids) & (set(claims["member_of"]) | set(claims["admin_of"])):
            raise Forbidden("This network is open to members of its eligible associations only.")
    if network.max_age is not None:
        if person.birth_year is None:
            raise Forbidden(f"This network is for people up to {network.max_age}; "
                            "add your birth year to your profile to join.")
        # the age reached this year: "up to 30" admits those who turn 30 this year at most
        if _now().year - person.birth_year > network.max_age:
            raise Forbidden(f"This network is for people up to {network.max_age}.")


def _live_person_or_422(session, person_id, field="person_id"):
    person = session.get(Person, str(person_id)) if person_id else None
    if person is None or person.erased_at is not None:
        raise ValidationFailed("Unknown person.", {field: ["No such person."]})
    return person


def _add_member(session, member):
    session.add(member)
    try:
        session.flush()
    except IntegrityError:  # a second request for the same person raced this one
        raise Conflict("The person is in this network already, or has asked or been invited.") from None


def _activate(session, caller, network, member):
    member.status = "active"
    member.joined_at = _now()
    session.flush()
    _publish_member(session, caller, network, "network.member_joined", member.person_id)


def _member_result(session, member):
    return _member_view(member, session.scalar(select(Person.name).where(Person.id == member.person_id)))


def join(session, caller, network_id, payload):
    """Join an open network, ask to join one on request, or accept an invitation."""
    access.require_authenticated(caller)
    data = load(schemas.JoinRequest, payload)
    if not caller.person_id:
        raise Forbidden("Only persons join networks.")
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        member = _membership(session, network.id, caller.person_id)
        if member is not None and member.status == "active":
            raise Conflict("You are a member already.")
        if member is not None and member.status == "requested":
            raise Conflict("You have asked to join already; the conveners will decide.")
        check_eligible(session, network, _live_person_or_422(session, caller.person_id))
        if member is not None:  # invited: joining accepts the invitation
            _activate(session, caller, network, member)
        elif network.join_policy == "invitation":
            raise Forbidden("This network takes members by invitation only.")
        else:
            member = NetworkMember(network_id=network.id, person_id=caller.person_id, role="member",
                                   status="requested", message=data.get("message"))
            _add_member(session, member)
            if network.join_policy == "open":
                _activate(session, caller, network, member)
            else:
                _publish(session, caller, network, "network.join_requested", {
                    "network_id": network.id, "person_id": caller.person_id,
                    "convener_person_ids": convener_ids(session, network.id), "name": display_name(network),
                    "message": member.message})
    return _member_result(session, member)


def invite(session, caller, network_id, payload):
    data = load(schemas.Invitation, payload)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        require_convener(session, caller, network)
        person = _live_person_or_422(session, data["person_id"])
        member = _membership(session, network.id, person.id)
        if member is not None and member.status in ("active", "invited"):
            raise Conflict("The person is a member or invited already.")
        check_eligible(session, network, person)
        if member is not None:  # they had asked: the invitation answers yes
            _decide(session, caller, network, member, "approved", None)
        else:
            member = NetworkMember(network_id=network.id, person_id=person.id, role="member", status="invited",
                                   message=data.get("message"), invited_by=caller.person_id)
            _add_member(session, member)
            _publish(session, caller, network, "network.member_invited", {
                "network_id": network.id, "person_id": person.id, "invited_by": caller.person_id,
                "association_ids": active_owner_ids(network), "name": display_name(network),
                "message": member.message})
    return _member_result(session, member)


def _decide(session, caller, network, member, decision, reason):
    _publish(session, caller, network, "network.join_decided", {
        "network_id": network.id, "person_id": member.person_id, "decision": decision, "reason": reason,
        "name": display_name(network)})
    if decision == "approved":
        _activate(session, caller, network, member)
    else:
        session.delete(member)
        session.flush()


def _convened_member(session, caller, network_id, person_id, status, missing):
    """The network and one of its members with ``status``, for a convener to act on."""
    network = visible_or_404(session, caller, network_id)
    require_convener(session, caller, network)
    member = _membership(session, network.id, person_id)
    if member is None or member.status != status:
        raise NotFound(missing)
    return network, member


def _drop(session, caller, network, member):
    was_active = member.status == "active"
    session.delete(member)
    session.flush()
    if was_active:
        _publish_member(session, caller, network, "network.member_left", member.person_id)


def decide(session, caller, network_id, person_id, payload):
    data = load(schemas.JoinDecision, payload)
    with session.begin():
        network, member = _convened_member(session, caller, network_id, person_id, "requested",
                                           f"No request to join from person {person_id}.")
        result = _member_result(session, member)
        _decide(session, caller, network, member, data["decision"], data.get("reason"))
        result.update(status="active" if data["decision"] == "approved" else "declined")
    return result


def remove(session, caller, network_id, person_id):
    """Leave (yourself: also withdraws a request or declines an invitation) or remove a member (conveners)."""
    access.require_authenticated(caller)
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        if person_id != caller.person_id:
            require_convener(session, caller, network)
        member = _membership(session, network.id, person_id)
        if member is None:
            raise NotFound(f"Person {person_id} is not in this network.")
        _drop(session, caller, network, member)
    return None


def update_member(session, caller, network_id, person_id, payload):
    data = load(schemas.MemberUpdate, payload)
    with session.begin():
        network, member = _convened_member(session, caller, network_id, person_id, "active",
                                           f"Person {person_id} is not a member of this network.")
        if member.role != data["role"]:
            member.role = data["role"]
            session.flush()
            _publish(session, caller, network, "network.updated", _network_event(session, network, {"conveners"}))
    return _member_result(session, member)


def list_members(session, caller, network_id, query):
    access.require_authenticated(caller)
    q = load(schemas.NetworkMemberQuery, query)
    network = visible_or_404(session, caller, network_id)
    mine = _membership(session, network.id, caller.person_id)
    convener = can_convene(session, caller, network)
    if not convener and not (mine is not None and mine.status == "active" and q["status"] == "active"):
        raise Forbidden("Members see who else is in the network; conveners also see requests and invitations.")
    stmt = (select(NetworkMember, Person.name).join(Person, Person.id == NetworkMember.person_id)
            .where(NetworkMember.network_id == network.id, NetworkMember.status == q["status"])
            .order_by(NetworkMember.role.desc(), Person.name, NetworkMember.id))
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(stmt.limit(q["limit"]).offset(q["offset"])).all()
    return page([_member_view(m, name) for m, name in rows], total, q["limit"], q["offset"])


# --- GDPR ----------------------------------------------------------------------------------

def export_person(session, person_id):
    rows = session.execute(select(NetworkMember, Network).join(Network, Network.id == NetworkMember.network_id)
                           .where(NetworkMember.person_id == person_id).order_by(NetworkMember.created_at)).all()
    return [{"network_id": n.id, "name": dict(n.name), "role": m.role, "status": m.status, "message": m.message,
             "joined_at": m.joined_at.isoformat() if m.joined_at else None, "since": m.created_at.isoformat()}
            for m, n in rows]


def erase_person(session, caller, person_id):
    """Remove every network membership, request and invitation of an erased person."""
    for member in session.scalars(select(NetworkMember).where(NetworkMember.person_id == person_id)).all():
        _drop(session, caller, session.get(Network, member.network_id), member)
