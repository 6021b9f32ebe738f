"""Calendar feed tokens: only a hash is kept, a new token replaces the old, a revoked or unknown token
is refused alike, and the claims are those of the token's person."""
import hashlib

import pytest
from sqlalchemy import select

from nabo_common.api.errors import NotAuthenticated
from nabo_common.runtime.context import Caller
from services.members.domain import calendar_tokens, gdpr
from services.members.models import CalendarFeedToken, Network, NetworkMember


def test_the_token_is_random_url_safe_and_stored_only_as_its_sha256(world):
    association = world.association()
    person, other = world.person(association), world.person(association)
    token = world.call(calendar_tokens.issue, world.caller(person))["token"]
    assert len(token) >= 43 and token.replace("-", "").replace("_", "").isalnum()
    assert world.call(calendar_tokens.issue, world.caller(other))["token"] != token
    row = world.session.get(CalendarFeedToken, person.id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_a_token_answers_its_persons_claims(world):
    association = world.association()
    organisation = world.organisation(association)
    person = world.person(organisation=organisation)
    token = world.call(calendar_tokens.issue, world.caller(person))["token"]
    claims = world.call(calendar_tokens.claims_for_token, token)
    assert claims["person_id"] == person.id and claims["member_of"] == [association.id]


def test_a_new_token_replaces_the_old_one(world):
    person = world.person(world.association())
    old = world.call(calendar_tokens.issue, world.caller(person))["token"]
    new = world.call(calendar_tokens.issue, world.caller(person))["token"]
    assert world.call(calendar_tokens.claims_for_token, new)["person_id"] == person.id
    with pytest.raises(NotAuthenticated):
        world.call(calendar_tokens.claims_for_token, old)
    assert len(world.session.scalars(select(CalendarFeedToken)).all()) == 1


def test_revoked_and_unknown_tokens_are_refused_with_the_same_words(world):
    person = world.person(world.association())
    token = world.call(calendar_tokens.issue, world.caller(person))["token"]
    assert world.call(calendar_tokens.state, world.caller(person))["active"] is True
    world.call(calendar_tokens.revoke, world.caller(person))
    assert world.call(calendar_tokens.state, world.caller(person)) == {"active": False, "created_at": None}
    messages = set()
    for candidate in (token, calendar_tokens.new_token(), "", None):
        with pytest.raises(NotAuthenticated) as refused:
            world.call(calendar_tokens.claims_for_token, candidate)
        messages.add(refused.value.detail)
    assert messages == {calendar_tokens.NOT_VALID}
    world.call(calendar_tokens.revoke, world.caller(person))  # revoking nothing is no error


def test_an_erased_persons_token_opens_nothing(world):
    association = world.association()
    admin = world.person(association, admin_of=association)
    person = world.person(association)
    token = world.call(calendar_tokens.issue, world.caller(person))["token"]
    world.call(gdpr.erase, world.caller(admin), person.id)
    with pytest.raises(NotAuthenticated):
        world.call(calendar_tokens.claims_for_token, token)
    assert world.session.scalars(select(CalendarFeedToken)).all() == []


def test_the_answer_names_the_persons_associations_and_active_networks(world):
    home, other = world.association(), world.association()
    person = world.person(home, organisation=world.organisation(other))
    with world.session.begin():
        networks = [Network(name={"en": name}, description={}, search_text=name, languages="en",
                            join_policy="open", visibility="public", activity="active",
                            eligible_association_ids=[home.id]) for name in ("active", "requested")]
        world.session.add_all(networks)
        world.session.flush()
        world.session.add_all([
            NetworkMember(network_id=network.id, person_id=person.id, status=status)
            for network, status in zip(networks, ("active", "requested"))])
    answer = world.call(calendar_tokens.issue, world.caller(person))
    assert answer["association_ids"] == sorted([home.id, other.id])
    assert answer["network_ids"] == [networks[0].id]


@pytest.mark.parametrize("caller", [Caller(), Caller(roles=("system",))], ids=["anonymous", "system"])
def test_only_a_persons_own_account_has_a_token(world, caller):
    with pytest.raises(NotAuthenticated):
        world.call(calendar_tokens.issue, caller)
