"""How people come into a network: joining an open one, asking to join one
on request (the conveners decide), and being invited (joining accepts)."""
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from contracts.api import networks as schemas
from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.members.domain import access
from services.members.domain.accounts import claims_for
from services.members.domain.networks.conveners import convened_member, convened_network, convener_ids
from services.members.domain.networks.publishing import publish_for, publish_member
from services.members.domain.networks.views import member_result
from services.members.domain.networks.visibility import (
    active_owner_ids,
    display_name,
    membership,
    visible_or_404,
)
from services.members.models import NetworkMember, Person


def check_eligible(session, network, person):
    """Raise Forbidden unless ``person`` may be in ``network``."""
    if network.eligible_association_ids:
        claims = claims_for(session, person)
        if not set(network.eligible_association_ids) & (set(claims["member_of"]) | set(claims["admin_of"])):
            raise Forbidden("This network is open to members of its eligible associations only.")
    if network.max_age is not None:
        if person.birth_year is None:
            raise Forbidden("This network is for people up to {max_age}; add your birth year to your profile "
                            "to join.",
                            max_age=network.max_age)
        # the age reached this year: "up to 30" admits those who turn 30 this year at most
        if datetime.now(timezone.utc).year - person.birth_year > network.max_age:
            raise Forbidden("This network is for people up to {max_age}.", max_age=network.max_age)


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
    member.joined_at = datetime.now(timezone.utc)
    session.flush()
    publish_member(session, caller, network, "network.member_joined", member.person_id)


def join(session, caller, network_id, payload):
    """Join an open network, ask to join one on request, or accept an invitation."""
    access.require_authenticated(caller)
    data = load(schemas.JoinRequest, payload)
    if not caller.person_id:
        raise Forbidden("Only persons join networks.")
    with session.begin():
        network = visible_or_404(session, caller, network_id)
        member = membership(session, network.id, caller.person_id)
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
                publish_for(session, caller, network, "network.join_requested", {
                    "network_id": network.id, "person_id": caller.person_id,
                    "convener_person_ids": convener_ids(session, network), "name": display_name(network),
                    "names": dict(network.name or {}),
                    "message": member.message})
    return member_result(session, member)


def invite(session, caller, network_id, payload):
    data = load(schemas.Invitation, payload)
    with session.begin():
        network = convened_network(session, caller, network_id)
        person = _live_person_or_422(session, data["person_id"])
        member = membership(session, network.id, person.id)
        if member is not None and member.status in ("active", "invited"):
            raise Conflict("The person is a member or invited already.")
        check_eligible(session, network, person)
        if member is not None:  # they had asked: the invitation answers yes
            _decide(session, caller, network, member, "approved", None)
        else:
            member = NetworkMember(
                network_id=network.id,
                person_id=person.id,
                role="member",
                status="invited",
                message=data.get("message"),
                invited_by=caller.person_id,
            )
            _add_member(session, member)
            publish_for(
                session,
                caller,
                network,
                "network.member_invited",
                {
                    "network_id": network.id,
                    "person_id": person.id,
                    "invited_by": caller.person_id,
                    "association_ids": active_owner_ids(network),
                    "name": display_name(network),
                    "message": member.message,
                },
            )
    return member_result(session, member)


def _decide(session, caller, network, member, decision, reason):
    publish_for(
        session,
        caller,
        network,
        "network.join_decided",
        {
            "network_id": network.id,
            "person_id": member.person_id,
            "decision": decision,
            "reason": reason,
            "name": display_name(network),
            "names": dict(network.name or {}),
        },
    )
    if decision == "approved":
        _activate(session, caller, network, member)
    else:
        session.delete(member)
        session.flush()


def decide(session, caller, network_id, person_id, payload):
    """A convener answers a request to join."""
    data = load(schemas.JoinDecision, payload)
    with session.begin():
        network, member = convened_member(
            session,
            caller,
            network_id,
            person_id,
            "requested",
            N_("No request to join from person {person_id}."),
        )
        result = member_result(session, member)
        _decide(session, caller, network, member, data["decision"], data.get("reason"))
        result.update(status="active" if data["decision"] == "approved" else "declined")
    return result
