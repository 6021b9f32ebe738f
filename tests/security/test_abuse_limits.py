"""Abuse limits through the running gateway: guest registrations are limited
per client, a signed-in caller's per account, campaign sends and posts in networks per person,
all more strictly than other writes; list pages, request bodies and every list or map in a body are
bounded."""
import dataclasses
import ipaddress
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from limits import parse
from marshmallow import fields, validate

import gateway.service  # noqa: F401  (declares every route)
from gateway.http import ROUTES
from gateway.runtime import runtime
from nabo_common.api.pagination import MAX_LIMIT
from tests.integration.notifications.support import wait_until
from tests.support.api import check, unique
from tests.support.covers import covers


@pytest.fixture
def gateway_config(monkeypatch):
    """Change the running gateway's settings for one test; X-Forwarded-For stands for distinct clients."""
    rt = runtime()

    def change(**values):
        monkeypatch.setattr(rt, "config", dataclasses.replace(rt.config, trust_forwarded_for=True, **values))
        return rt.config

    return change


def from_client(address):
    return {"X-Forwarded-For": address}


def new_client():
    """A client address never seen before (X-Forwarded-For as the ingress sends it)."""
    return f"{ipaddress.IPv6Address(uuid.uuid4().int)}, 10.0.0.1"


def in_days(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


def published_event(admin, title, in_days_from_now):
    start = in_days(in_days_from_now)
    event = check(admin.post("/v1/events", {
        "title": unique(title), "format": "online", "languages": ["en"], "time_zone": "Europe/Amsterdam",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "join_url": "https://meet.example/open"}), 201)
    return check(admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)


def assert_rate_limited(response):
    assert response.status_code == 429, f"{response.status_code} {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    # the title is in the caller's language; the type is the same in every one
    assert response.json()["type"] == "https://nabo.example/problems/too-many-requests"
    assert int(response.headers["Retry-After"]) >= 1


def test_guest_registrations_are_limited_per_client_beyond_the_write_limit(api, tenant_a, gateway_config):
    config = gateway_config(registration_limit="3/minute")
    assert parse(config.write_limit).amount > 3  # the registration limit, not the write limit, is what bites
    event = published_event(tenant_a.admin, "Open house", 12)

    def register(client):
        return api.post(
            f"/v1/events/{event['id']}/registrations",
            {"name": "Guest", "email": f"{unique('guest')}@example.test"},
            headers=from_client(client),
        )

    client = new_client()
    for _ in range(3):
        check(register(client), 201)
    assert_rate_limited(register(client))
    check(register(new_client()), 201)  # another client is not affected


def test_signed_in_callers_are_limited_per_account_not_per_address(api, tenant_a, tenant_b, gateway_config):
    """An organiser entering registrations at the desk, and colleagues behind one office proxy, each have
    their own count; a guest on that address still has the address's."""
    gateway_config(registration_limit="3/minute")
    event = published_event(tenant_a.admin, "Desk", 13)
    path = f"/v1/events/{event['id']}/registrations"
    office = new_client()

    def guest():
        return {"name": "Guest", "email": f"{unique('desk')}@example.test"}

    for _ in range(3):
        check(tenant_a.admin.post(path, guest(), headers=from_client(office)), 201)
    assert_rate_limited(tenant_a.admin.post(path, guest(), headers=from_client(new_client())))
    # the colleague and an anonymous guest behind the same proxy are not affected
    check(tenant_a.member.post(path, {}, headers=from_client(office)), 201)
    check(api.post(path, guest(), headers=from_client(office)), 201)


@covers("POST /v1/networks", "POST /v1/networks/{id}/threads", "POST /v1/threads/{id}/posts")
def test_posting_in_networks_is_limited_per_person_whatever_their_address(tenant_a, tenant_b, gateway_config):
    gateway_config(post_limit="2/minute")
    network = check(
        tenant_b.member.post(
            "/v1/networks", {"name": {"de": unique("Kajak-Netzwerk")}, "association_ids": [tenant_b.id]}
        ),
        201,
    )
    thread = {"kind": "question", "title": "Wer vermietet Kajaks?", "body": "Im Mai, für vier."}
    path = f"/v1/networks/{network['id']}/threads"
    created = [
        check(tenant_b.member.post(path, thread, headers=from_client(new_client())), 201) for _ in range(2)
    ]
    assert_rate_limited(tenant_b.member.post(path, thread, headers=from_client(new_client())))
    # replies count on their own route
    replies = f"/v1/threads/{created[0]['id']}/posts"
    for _ in range(2):
        check(tenant_b.member.post(replies, {"body": "Ja."}, headers=from_client(new_client())), 201)
    assert_rate_limited(tenant_b.member.post(replies, {"body": "Ja."}, headers=from_client(new_client())))
    # the network's other people post on
    check(tenant_b.admin.post(replies, {"body": "Ich auch."}), 201)
    # a refused attempt counts as an attempt (docs/conversations.md)
    check(tenant_b.admin.post(replies, {"body": "   "}), 422)
    assert_rate_limited(tenant_b.admin.post(replies, {"body": "Noch einmal."}))


@covers(
    "GET /v1/campaigns/{id}/audience",
    "POST /v1/campaigns",
    "POST /v1/campaigns/{id}/send",
    "POST /v1/persons",
)
def test_campaign_sends_are_limited_per_person_whatever_their_address(
    api, tenant_a, tenant_b, gateway_config
):
    gateway_config(campaign_send_limit="2/hour")
    reader = check(
        tenant_a.admin.post(
            "/v1/persons",
            {
                "name": "Newsletter reader",
                "email": f"{unique('reader')}@example.test",
                "language": "nl",
                "home_association_id": tenant_a.id,
            },
        ),
        201,
    )
    check(
        tenant_a.admin.post(
            f"/v1/persons/{reader['id']}/consents",
            {
                "association_id": tenant_a.id,
                "kind": "newsletter",
                "granted": True,
                "source": "form",
                "wording_version": "v1",
            },
        ),
        201,
    )
    campaign = check(
        tenant_a.admin.post(
            "/v1/campaigns",
            {
                "name": unique("Autumn"),
                "sender_name": "A",
                "contents": {"nl": {"subject": "Herfst", "text": "Tekst"}},
                "segment": {"association_ids": [tenant_a.id]},
            },
        ),
        201,
    )
    assert wait_until(
        lambda: check(tenant_a.admin.get(f"/v1/campaigns/{campaign['id']}/audience"), 200)["count"],
        timeout=30,
    )
    # scheduled a month ahead, so nothing is mailed; sending again reschedules
    send = {"at": in_days(30).isoformat()}
    try:
        for _ in range(2):
            assert (
                check(
                    tenant_a.admin.post(
                        f"/v1/campaigns/{campaign['id']}/send", send, headers=from_client(new_client())
                    ),
                    202,
                )["status"]
                == "scheduled"
            )
        assert_rate_limited(
            tenant_a.admin.post(
                f"/v1/campaigns/{campaign['id']}/send", send, headers=from_client(new_client())
            )
        )
        # another person is not affected: B's admin reaches the service (and is told A's campaign is not
        # there)
        assert tenant_b.admin.post(f"/v1/campaigns/{campaign['id']}/send", send).status_code == 404
    finally:
        check(tenant_a.admin.post(f"/v1/campaigns/{campaign['id']}/cancel"), 200)


def test_the_other_writes_keep_the_write_limit(api, tenant_a, gateway_config):
    gateway_config(write_limit="2/minute", registration_limit="100/minute")
    client = new_client()
    body = {"name": "Guest", "email": "guest@example.test"}
    path = f"/v1/events/{uuid.uuid4()}/registrations"
    assert [api.post(path, body, headers=from_client(client)).status_code for _ in range(2)] == [404, 404]
    assert_rate_limited(api.post(path, body, headers=from_client(client)))


def page_size_routes():
    for route in ROUTES:
        declared = route.query._declared_fields if route.query else {}
        if "limit" in declared:
            [maximum] = [v.max for v in declared["limit"].validators if isinstance(v, validate.Range)]
            yield route, maximum


@covers("GET /v1/organisations")
def test_every_list_route_refuses_a_page_larger_than_documented(platform):
    routes = list(page_size_routes())
    assert len(routes) >= 25
    for route, maximum in routes:
        assert maximum <= MAX_LIMIT, f"{route.method} {route.path}"
        path = re.sub(r"\{\w+\}", str(uuid.uuid4()), route.path)
        r = platform.request(route.method, path, params={"limit": maximum + 1})
        assert r.status_code == 422, f"{route.method} {route.path}: {r.status_code}"
        assert "limit" in r.json()["errors"], f"{route.method} {route.path}"
    page = check(platform.get("/v1/organisations", params={"limit": MAX_LIMIT}), 200)
    assert page["limit"] == MAX_LIMIT


def test_a_body_above_max_body_bytes_is_413_and_one_without_a_length_is_411(api, gateway_config):
    gateway_config(max_body_bytes=2048)
    path = f"/v1/events/{uuid.uuid4()}/registrations"
    body = b'{"name": "Guest", "email": "guest@example.test", "answers": {"q": "' + b"x" * 3000 + b'"}}'
    r = api.post(path, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert "2048" in r.json()["detail"]
    # streamed without a length, a body would be read as empty; it is refused instead
    chunked = api.post(
        path, data=iter([body[:1000], body[1000:]]), headers={"Content-Type": "application/json"}
    )
    assert chunked.status_code == 411 and "2048" in chunked.json()["detail"], chunked.text
    small = api.post(path, {"name": "Guest", "email": "guest@example.test"})
    assert small.status_code == 404  # under the limit the request goes through


def bounded(field):
    return any(isinstance(v, validate.Length) and v.max is not None for v in field.validators)


def unbounded_collections(schema, where, seen):
    """Every list and map a body can carry (nested ones too) that has no maximum length."""
    for name, field in schema.load_fields.items():
        yield from _unbounded(field, f"{where}.{field.data_key or name}", seen)


def _unbounded(field, where, seen):
    if isinstance(field, (fields.List, fields.Dict)) or (isinstance(field, fields.Nested) and field.many):
        if not bounded(field):
            yield where
    if isinstance(field, fields.List):
        yield from _unbounded(field.inner, f"{where}[]", seen)
    elif isinstance(field, fields.Dict) and field.value_field is not None:
        yield from _unbounded(field.value_field, f"{where}{{}}", seen)
    elif isinstance(field, fields.Nested) and type(field.schema) not in seen:
        seen.add(type(field.schema))
        yield from unbounded_collections(field.schema, where, seen)


def test_every_list_and_map_in_a_body_has_a_maximum_length():
    bodies = [route for route in ROUTES if route.body is not None]
    assert len(bodies) >= 50  # the walk saw the bodies
    unbounded = [
        found
        for route in bodies
        for found in unbounded_collections(route.body(), f"{route.method} {route.path} body", set())
    ]
    assert unbounded == []


def test_too_many_registration_answers_are_422(api):
    answers = {f"q{i}": "yes" for i in range(21)}
    r = api.post(
        f"/v1/events/{uuid.uuid4()}/registrations",
        {"name": "Guest", "email": "guest@example.test", "answers": answers},
    )
    assert r.status_code == 422 and "answers" in r.json()["errors"], r.text
