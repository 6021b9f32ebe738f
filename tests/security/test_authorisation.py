"""The authorisation matrix, tried: every gateway operation with every role,
and with another association's admin and member (BOLA across tenants)."""
import time

import jwt
import pytest

import gateway.service  # noqa: F401  (declares every route)
from gateway.http import ROUTES
from gateway.tokens import AUDIENCE, ISSUER
from nabo_common.runtime.settings import DEV_JWT_KEY, parse_keys
from tests.security.matrix import ADMIN, BY_KEY, MATRIX, PLATFORM, PUBLIC, SELF
from tests.security.probe import call, path_of
from tests.support.api import check
from tests.support.covers import covers

DENIED = (403, 404)
NOT_PUBLIC = [op for op in MATRIX if op.access != PUBLIC]
# calendar feeds answer every id with the events the caller may see: checked by content below
FEEDS = [op for op in MATRIX if op.path.endswith("calendar.ics")]
TENANT_OWNED = [op for op in MATRIX if op.resource and op.resource != "association" and op not in FEEDS]
ADMIN_ONLY = [op for op in MATRIX if op.access in (ADMIN, PLATFORM)]


def ids(ops):
    return [op.key for op in ops]


def test_every_route_is_in_the_matrix():
    routes = {f"{r.method} {r.path}" for r in ROUTES}
    assert routes == set(BY_KEY), (f"routes without a matrix row: {sorted(routes - set(BY_KEY))}; "
                                   f"rows without a route: {sorted(set(BY_KEY) - routes)}")
    assert len(BY_KEY) == len(MATRIX), "an operation is in the matrix twice"


def test_public_rows_are_exactly_the_routes_without_required_sign_in():
    optional = {f"{r.method} {r.path}" for r in ROUTES if r.auth == "optional"}
    assert optional == {op.key for op in MATRIX if op.access == PUBLIC}


@pytest.mark.parametrize("op", NOT_PUBLIC, ids=ids(NOT_PUBLIC))
def test_anonymous_is_refused_401(api, world, op):
    r = call(api, op, world)
    assert r.status_code == 401, f"{op.key}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"] == "application/problem+json"


def _claims(person_id, **extra):
    now = int(time.time())
    return dict({"person_id": person_id, "sub": person_id, "roles": ["platform_admin"], "admin_of": [],
                 "member_of": [], "organisation_ids": [], "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                 "exp": now + 600}, **extra)


@pytest.fixture(scope="module")
def bad_tokens(world):
    kid, secret = parse_keys(DEV_JWT_KEY, "NABO_JWT_KEYS")[0]
    person = world["person"]
    return {
        "wrong key": jwt.encode(
            _claims(person), "not-the-signing-key-" * 2, algorithm="HS256", headers={"kid": kid}
        ),
        "unknown kid": jwt.encode(_claims(person), secret, algorithm="HS256", headers={"kid": "forged"}),
        "expired": jwt.encode(
            _claims(person, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            secret,
            algorithm="HS256",
            headers={"kid": kid},
        ),
        "alg none": jwt.encode(_claims(person), None, algorithm="none", headers={"kid": kid}),
        "other audience": jwt.encode(
            _claims(person, aud="someone-else"), secret, algorithm="HS256", headers={"kid": kid}
        ),
    }


@pytest.mark.parametrize("op", MATRIX, ids=ids(MATRIX))
def test_forged_or_expired_bearer_tokens_are_refused_401(api, world, bad_tokens, op):
    for name, token in bad_tokens.items():
        r = call(api.as_(token), op, world)
        assert r.status_code == 401, f"{op.key} with a {name} token: {r.status_code} {r.text[:300]}"


@covers("GET /v1/me")
def test_genuine_platform_token_is_accepted_as_a_control(api, platform):
    """The forged tokens above differ from a genuine one only in what is forged."""
    assert check(platform.get("/v1/me"), 200)["roles"]


@pytest.mark.parametrize("who", ["admin", "member"])
@pytest.mark.parametrize("op", TENANT_OWNED, ids=ids(TENANT_OWNED))
def test_other_association_is_refused_by_id(world, tenant_a, tenant_b, platform, op, who):
    attacker = getattr(tenant_b, who)
    path = path_of(op, world)
    readable = any(r.method == "GET" and r.path == op.path for r in ROUTES)
    before = check(platform.get(path), 200) if op.method == "PATCH" and readable else None
    r = call(attacker, op, world)
    assert r.status_code in DENIED, f"B's {who} on {op.key}: {r.status_code} {r.text[:300]}"
    if op.method == "GET" and op.access != PUBLIC:
        # control: the owner really can read it, so the refusal is about who asks
        owner = tenant_a.admin if op.access in (ADMIN, PLATFORM) else tenant_a.member
        assert call(owner, op, world).status_code == 200, f"control: A cannot {op.key}"
    if before is not None:
        assert check(platform.get(path), 200) == before, f"{op.key} changed A's data although refused"


@pytest.mark.parametrize(
    "op",
    [op for op in TENANT_OWNED if op.access == PUBLIC and op.method == "GET"],
    ids=ids([op for op in TENANT_OWNED if op.access == PUBLIC and op.method == "GET"]),
)
def test_anonymous_cannot_read_private_resources_of_public_routes(api, world, op):
    r = call(api, op, world)
    assert r.status_code == 404, f"anonymous on {op.key}: {r.status_code} {r.text[:300]}"


COLLECTION_CREATES = [
    op
    for op in MATRIX
    if op.method == "POST"
    and not op.resource
    and op.access == ADMIN
    and op.body
    and op.key != "POST /v1/themes"
]


@pytest.mark.parametrize("op", COLLECTION_CREATES, ids=ids(COLLECTION_CREATES))
def test_creating_inside_another_association_is_refused(world, tenant_b, op):
    """B's admin names A's association in the body."""
    r = call(tenant_b.admin, op, world)
    assert r.status_code in (403, 404, 422), f"{op.key}: {r.status_code} {r.text[:300]}"
    if r.status_code == 422:
        assert any("association" in field for field in r.json().get("errors", {})), r.text


@pytest.mark.parametrize("op", ADMIN_ONLY, ids=ids(ADMIN_ONLY))
def test_members_cannot_do_what_admins_do(world, tenant_a, op):
    if op.key == "POST /v1/themes" or (op.method == "POST" and not op.resource and not op.body):
        pytest.skip("no tenant to administer")
    r = call(tenant_a.member, op, world)
    assert r.status_code in DENIED, f"A's member on {op.key}: {r.status_code} {r.text[:300]}"


PLATFORM_ONLY = [op for op in MATRIX if op.access == PLATFORM]


@pytest.mark.parametrize("op", PLATFORM_ONLY, ids=ids(PLATFORM_ONLY))
def test_association_admins_cannot_do_what_platform_admins_do(world, tenant_a, op):
    r = call(tenant_a.admin, op, world)
    assert r.status_code == 403, f"A's admin on {op.key}: {r.status_code} {r.text[:300]}"


SELF_OPS = [op for op in MATRIX if op.access == SELF and op.resource == "person" and op.method == "GET"]


@pytest.mark.parametrize("op", SELF_OPS, ids=ids(SELF_OPS))
def test_a_member_cannot_read_another_persons_private_data(world, tenant_a, op):
    """The member of A reads the data of A's admin person: not theirs, and they administer nothing."""
    r = call(tenant_a.member, op, dict(world, person=world["admin_person"]))
    assert r.status_code in DENIED, f"{op.key}: {r.status_code} {r.text[:300]}"
    assert call(tenant_a.member, op, world).status_code == 200, (
        f"control: the member cannot {op.key} themself"
    )


LISTS = [
    ("/v1/organisations", "organisation", {}),
    ("/v1/organisations", "organisation", {"q": "organisation_name"}),
    ("/v1/memberships", "membership", {}),
    ("/v1/persons", "person", {}),
    ("/v1/persons", "person", {"q": "Member person"}),
    ("/v1/networks", "network", {}),
    ("/v1/networks", "network", {"q": "Besloten"}),
    ("/v1/offers-and-needs", "offer", {}),
    ("/v1/programmes", "programme", {}),
    ("/v1/events", "event", {}),
    ("/v1/events", "event", {"q": "Members only"}),
    ("/v1/campaigns", "campaign", {}),
    ("/v1/webhooks", "webhook", {}),
    ("/v1/panels", "panel", {}),
]


@pytest.mark.parametrize(
    "path, key, params", LISTS, ids=[f"{p}{'?' + '&'.join(q) if q else ''}" for p, _k, q in LISTS]
)
def test_lists_and_searches_hide_another_associations_private_data(
    world, tenant_a, tenant_b, api, path, key, params
):
    wanted = world[key]
    params = {k: world.get(v, v) for k, v in dict(params, limit=200).items()}
    for client, name in ((tenant_b.admin, "B's admin"), (tenant_b.member, "B's member"), (api, "anonymous")):
        r = client.get(path, params=params)
        if r.status_code in (401, 403):
            continue
        body = check(r, 200)
        assert wanted not in {item.get("id") for item in body["items"]}, f"{name} sees A's {key} in {path}"
    # control: A's admin finds it in the same list
    mine = check(tenant_a.admin.get(path, params=params), 200)
    assert wanted in {item.get("id") for item in mine["items"]}, f"control: A's admin does not find its {key}"


@pytest.mark.parametrize("op", FEEDS, ids=ids(FEEDS))
def test_calendar_feeds_never_carry_another_associations_members_only_events(
    api, world, tenant_a, tenant_b, op
):
    for client, name in ((tenant_b.admin, "B's admin"), (tenant_b.member, "B's member"), (api, "anonymous")):
        r = call(client, op, world)
        assert r.status_code in (200, 404), f"{name} on {op.key}: {r.status_code}"
        assert world["event_title"] not in r.text and "secret-room" not in r.text, (
            f"{name} sees A's event in {op.key}"
        )
    if "{id}" in op.path and op.resource == "network":
        # control: A's member sees it in the same feed
        assert world["event_title"] in call(tenant_a.member, op, world).text, (
            "control: A's member misses the event"
        )


ADMIN_LISTS = [
    ("/v1/programmes", "programme"),
    ("/v1/campaigns", "campaign"),
    ("/v1/webhooks", "webhook"),
    ("/v1/persons", "admin_person"),
]


@pytest.mark.parametrize("path, key", ADMIN_LISTS, ids=[p for p, _ in ADMIN_LISTS])
def test_members_see_nothing_of_their_associations_admin_lists(world, tenant_a, path, key):
    r = tenant_a.member.get(path, params={"limit": 200})
    if r.status_code != 200:
        assert r.status_code in DENIED
        return
    assert world[key] not in {item["id"] for item in r.json()["items"]}, f"A's member sees {key} in {path}"
    assert world[key] in {
        item["id"] for item in check(tenant_a.admin.get(path, params={"limit": 200}), 200)["items"]
    }
