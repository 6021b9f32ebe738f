"""Whose registration a request makes, and under which name and address.

A person of the association registers under the name and address the members
service holds for them: one person, one address. Everyone else is a guest
with the name and e-mail given. So a signed-in caller who sends nothing
registers themself, one who sends someone else's name and e-mail registers
that someone as a guest, and only organisers name another person (person_id)
or force a guest (person_id null). An organiser who sends the name and e-mail
of a person of the event's associations registers that person."""
from dataclasses import dataclass

from nabo_common.api.errors import Forbidden, ValidationFailed
from services.events.domain import access
from services.events.domain.common import normalise_email

MISSING = ["Missing data for required field."]
NOT_THE_PERSONS_ADDRESS = ("A person registers under their own address, {email}; change it on the person, "
                           "or leave email out.")


@dataclass(frozen=True)
class Registrant:
    person_id: str | None
    name: str
    email: str
    language: str


def guest(data):
    missing = {key: MISSING for key in ("name", "email") if not data.get(key)}
    if missing:
        raise ValidationFailed("A guest gives a name and an e-mail address.", missing)
    return Registrant(None, data["name"], data["email"], data.get("language") or "en")


def _looked_up(people, person_id):
    found = people.person(person_id) if people is not None and person_id else None
    return found if found and not found.get("erased") and found.get("email") else None


def _person(found, data):
    if found is None:
        raise ValidationFailed("No such person to register.",
                               {"person_id": ["No person with this id that you may register."]})
    if data.get("email") and normalise_email(data["email"]) != normalise_email(found["email"]):
        raise ValidationFailed("This is not the person's address.",
                               {"email": [NOT_THE_PERSONS_ADDRESS.format(email=found["email"])]})
    language = data.get("language") or found.get("language") or "en"
    return Registrant(found["id"], found["name"], found["email"], language)


def _person_with_email(people, event, email):
    found = people.person_with_email(email, event.association_ids) if people is not None else None
    return found if found and not found.get("erased") and found.get("email") else None


def resolve(caller, event, data, people):
    """The registrant of ``data`` (RegistrationCreate) as ``caller``; ``people`` looks persons up in the
    members service as the caller."""
    organiser = access.manages(caller, event.association_ids)
    if "person_id" in data:
        person_id = data["person_id"]
        if person_id != caller.person_id and not organiser:
            raise Forbidden("Only the organisers register someone else; leave person_id out to register "
                            "yourself.")
        return guest(data) if person_id is None else _person(_looked_up(people, person_id), data)
    if caller.person_id is None:
        return guest(data)
    own = _looked_up(people, caller.person_id)
    if not data.get("email"):
        return _person(own, {"language": data.get("language")})
    if own and normalise_email(own["email"]) == normalise_email(data["email"]):
        return _person(own, data)
    if event.visibility != "public" and not organiser:
        raise Forbidden("Only the organisers register guests for a members-only event.")
    known = _person_with_email(people, event, data["email"]) if organiser else None
    return guest(data) if known is None else _person(known, data)
