"""Notifications through the gateway: transactional mail and the inbox,
campaigns from preview to delivery, one-click unsubscribe reaching the members
service, preferences, webhooks, GDPR export, tenant isolation and bad input."""
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.e2e.session_mail import SINK
from tests.integration.notifications.support import wait_until
from tests.support.api import check, unique
from tests.support.covers import covers


def own_link():
    """A link to nabo itself (campaigns tag only those), at the public address the session's system has."""
    from services.notifications import config as notifications_config

    return f"{notifications_config.load().public_base_url}/v1/events"


@pytest.fixture(scope="module")
def member(tenant_a, api):
    """A German-speaking contact of a new member organisation of tenant A, signed in."""
    org = check(tenant_a.admin.post("/v1/organisations", {"name": unique("Grenzfirma"), "country": "DE",
                                                          "sector": "62.01"}), 201)
    membership = check(
        tenant_a.admin.post(
            "/v1/memberships", {"organisation_id": org["id"], "association_id": tenant_a.id, "type": "full"}
        ),
        201,
    )
    email = f"{unique('leser')}@example.test"
    person = check(
        tenant_a.admin.post(
            "/v1/persons",
            {
                "name": "Lena Leser",
                "email": email,
                "language": "de",
                "password": "lena-password-1",
                "organisations": [{"organisation_id": org["id"], "role": "contact"}],
            },
        ),
        201,
    )
    token = api.sign_in(email, "lena-password-1")
    return {
        "person": person,
        "email": email,
        "api": api.as_(token),
        "organisation": org,
        "membership": membership,
    }


@covers("GET /v1/me/inbox", "POST /v1/me/inbox/{id}/read")
def test_membership_activation_mails_the_contact_and_fills_the_inbox(tenant_a, member):
    check(
        tenant_a.admin.post(f"/v1/memberships/{member['membership']['id']}/transitions", {"to": "active"}),
        200,
    )
    [mail] = SINK.wait_for(1, timeout=20, where=lambda m: member["email"] in m["to"])
    assert mail["message"]["Subject"].endswith(f"ist jetzt Mitglied von {tenant_a.association['name']}")
    assert mail["message"]["Content-Language"] == "de"  # the language it is written in (RFC 3282)
    inbox = wait_until(
        lambda: check(member["api"].get("/v1/me/inbox", params={"unread": "true"}), 200)["items"]
    )
    assert inbox[0]["kind"] == "membership_activated"
    read = check(member["api"].post(f"/v1/me/inbox/{inbox[0]['id']}/read"), 200)
    assert read["read_at"] is not None
    assert check(member["api"].get("/v1/me/inbox", params={"unread": "true"}), 200)["total"] == 0
    # someone else's inbox item is not there for another person
    assert tenant_a.member.post(f"/v1/me/inbox/{inbox[0]['id']}/read").status_code == 404


def campaign_body(tenant, **overrides):
    body = {
        "name": "Frühjahr",
        "sender_name": "Ondernemers",
        "contents": {
            "de": {
                "subject": "Frühjahrsnachrichten",
                "text": f"Kommen Sie: {own_link()} (https://events.test/e/42)",
            },
            "nl": {"subject": "Voorjaarsnieuws", "text": f"Kom naar {own_link()} (https://events.test/e/42)"},
        },
        "segment": {"association_ids": [tenant.id]},
    }
    body.update(overrides)
    return body


@covers(
    "GET /v1/campaigns/{id}",
    "GET /v1/campaigns/{id}/audience",
    "GET /v1/campaigns/{id}/recipients",
    "GET /v1/persons/{id}/consents",
    "GET /v1/unsubscribe",
    "POST /v1/campaigns",
    "POST /v1/campaigns/{id}/send",
    "POST /v1/unsubscribe",
)
def test_campaign_preview_send_and_one_click_unsubscribe(tenant_a, member, api):
    person_id = member["person"]["id"]
    check(
        member["api"].post(
            f"/v1/persons/{person_id}/consents",
            {
                "association_id": tenant_a.id,
                "kind": "newsletter",
                "granted": True,
                "source": "signup",
                "wording_version": "v1",
            },
        ),
        201,
    )
    campaign = check(tenant_a.admin.post("/v1/campaigns", campaign_body(tenant_a)), 201)
    assert campaign["status"] == "draft" and campaign["code"].startswith("cmp-")

    def previewed():
        preview = check(tenant_a.admin.get(f"/v1/campaigns/{campaign['id']}/audience"), 200)
        return preview if person_id in {s["person_id"] for s in preview["sample"]} else None

    preview = wait_until(previewed, timeout=20)
    assert preview["languages"].get("de", 0) >= 1
    sent = check(tenant_a.admin.post(f"/v1/campaigns/{campaign['id']}/send", {}), 202)
    assert sent["status"] == "scheduled"
    [mail] = SINK.wait_for(
        1,
        timeout=30,
        where=lambda m: member["email"] in m["to"] and m["message"]["Subject"] == "Frühjahrsnachrichten",
    )
    message = mail["message"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "de"
    text = message.get_body(("plain",)).get_content()
    assert f"{own_link()}?campaign_code={campaign['code']}" in text and "(https://events.test/e/42)" in text
    done = wait_until(
        lambda: check(tenant_a.admin.get(f"/v1/campaigns/{campaign['id']}"), 200)["status"] == "sent",
        timeout=20,
    )
    assert done
    recipients = check(
        tenant_a.admin.get(f"/v1/campaigns/{campaign['id']}/recipients", params={"status": "sent"}), 200
    )
    assert member["email"] in {r["email"] for r in recipients["items"]}

    url = re.match(r"<(.+)>", message["List-Unsubscribe"]).group(1)
    token = parse_qs(urlsplit(url).query)["token"][0]
    page = api.get("/v1/unsubscribe", params={"token": token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Ja, abmelden" in page.text
    # RFC 8058, as a mail client does it: POST the List-Unsubscribe URL as it stands, with the header named
    # in List-Unsubscribe-Post as the form body, no cookie, no sign-in, no redirect followed
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = requests.post(
        url,
        data=message["List-Unsubscribe-Post"],
        allow_redirects=False,
        timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and "Sie sind abgemeldet" in one_click.text

    def withdrawn_in_members():
        state = check(tenant_a.admin.get(f"/v1/persons/{person_id}/consents"), 200)
        return [
            c
            for c in state["current"]
            if c["kind"] == "newsletter" and not c["granted"] and c["source"] == "unsubscribe"
        ]

    assert wait_until(withdrawn_in_members, timeout=20)


@covers("GET /v1/campaigns", "POST /v1/campaigns/{id}/bounces")
def test_bounces_are_fed_back(tenant_a, member):
    campaigns = check(tenant_a.admin.get("/v1/campaigns", params={"status": "sent"}), 200)["items"]
    assert campaigns
    result = check(
        tenant_a.admin.post(
            f"/v1/campaigns/{campaigns[0]['id']}/bounces",
            {
                "bounces": [
                    {"email": member["email"], "kind": "hard", "reason": "550 mailbox unknown"},
                    {"email": "nobody@example.test"},
                ]
            },
        ),
        200,
    )
    assert result == {"bounced": 1, "unknown": ["nobody@example.test"]}


@pytest.mark.parametrize(
    "body,field",
    [
        ({"status": "sent"}, "status"),
        ({"code": "mine"}, "code"),
        ({"contents": {"xx": {"subject": "a", "text": "b"}}}, "contents"),
        ({"segment": {}}, "segment"),
        ({"segment": {"max_age": 5}}, "segment"),
    ],
)
def test_bad_campaign_input_is_422(tenant_a, body, field):
    r = tenant_a.admin.post("/v1/campaigns", campaign_body(tenant_a, **body))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert field in r.json()["errors"]


@covers("GET /v1/campaigns", "POST /v1/campaigns")
def test_campaigns_are_tenant_scoped(tenant_a, tenant_b):
    campaign = check(tenant_a.admin.post("/v1/campaigns", campaign_body(tenant_a)), 201)
    assert tenant_b.admin.get(f"/v1/campaigns/{campaign['id']}").status_code == 404
    assert tenant_b.admin.post(f"/v1/campaigns/{campaign['id']}/send", {}).status_code == 404
    assert tenant_b.admin.get(f"/v1/campaigns/{campaign['id']}/audience").status_code == 404
    assert campaign["id"] not in {c["id"] for c in check(tenant_b.admin.get("/v1/campaigns"), 200)["items"]}
    r = tenant_b.admin.post(
        "/v1/campaigns", campaign_body(tenant_b, segment={"association_ids": [tenant_a.id]})
    )
    assert r.status_code == 422
    assert tenant_a.member.post("/v1/campaigns", campaign_body(tenant_a)).status_code == 403


@covers("GET /v1/persons/{id}/preferences", "PATCH /v1/persons/{id}/preferences")
def test_preferences_of_self_and_admins_only(tenant_a, tenant_b, member):
    person_id = member["person"]["id"]
    assert check(member["api"].get(f"/v1/persons/{person_id}/preferences"), 200)["digest"] == "immediate"
    updated = check(
        member["api"].patch(
            f"/v1/persons/{person_id}/preferences",
            {"digest": "weekly", "channels": {"inapp": False}, "language": "nl"},
        ),
        200,
    )
    assert updated == {
        "person_id": person_id,
        "channels": {"email": True, "inapp": False},
        "digest": "weekly",
        "language": "nl",
        "networks": [],  # in no network
    }
    assert wait_until(lambda: tenant_a.admin.get(f"/v1/persons/{person_id}/preferences").status_code == 200)
    assert tenant_b.admin.get(f"/v1/persons/{person_id}/preferences").status_code == 404
    assert (
        member["api"].patch(f"/v1/persons/{person_id}/preferences", {"digest": "hourly"}).status_code == 422
    )
    assert member["api"].patch(f"/v1/persons/{person_id}/preferences", {"person_id": "x"}).status_code == 422


@pytest.mark.parametrize(
    "params,data,status",
    [
        ({"token": "x" * 40}, None, 400),
        ({}, None, 422),
        ({"token": "x" * 40}, "List-Unsubscribe=Something-Else", 400),
    ],
)
def test_bad_unsubscribe_requests_are_4xx(api, params, data, status):
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
    assert (
        api.request("POST", "/v1/unsubscribe", params=params, data=data, headers=headers).status_code
        == status
    )
    if not data:
        assert api.get("/v1/unsubscribe", params=params).status_code == status


def test_a_mangled_unsubscribe_link_in_a_browser_is_a_page_in_its_language(api):
    browser = {"Accept": "text/html", "Accept-Language": "nl-NL,nl;q=0.9"}
    page = api.get("/v1/unsubscribe", params={"token": "garbage" * 6}, headers=browser)
    assert page.status_code == 400 and page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Content-Language"] == "nl"
    assert "Deze link werkt niet" in page.text and "Deze afmeldlink is niet geldig" in page.text
    # a token cut short is not even a token: still 4xx, still a page that says what to do
    short = api.get("/v1/unsubscribe", params={"token": "garbage"}, headers=browser)
    assert short.status_code == 422 and short.headers["Content-Type"].startswith("text/html")
    assert "Deze link werkt niet" in short.text and "de hele link" in short.text
    assert api.get("/v1/unsubscribe", params={"token": "garbage" * 6}).headers["Content-Type"] == (
        "application/problem+json")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"url": "ftp://hooks.example.test/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"event_types": ["person.created"]}, "event_types"),
        ({"secret": "short"}, "secret"),
        ({"id": "mine"}, "id"),
    ],
)
def test_bad_webhooks_are_422(tenant_a, body, field):
    payload = {
        "url": "https://hooks.example.test/nabo",
        "secret": "a-long-enough-secret",
        "event_types": ["membership.status_changed"],
    }
    payload.update(body)
    r = tenant_a.admin.post("/v1/webhooks", payload)
    assert r.status_code == 422 and field in r.json()["errors"]


@covers("DELETE /v1/webhooks/{id}", "GET /v1/webhooks", "POST /v1/webhooks")
def test_webhooks_are_registered_listed_and_scoped(tenant_a, tenant_b):
    hook = check(
        tenant_a.admin.post(
            "/v1/webhooks",
            {
                "url": "http://127.0.0.1:9/nabo",
                "secret": "a-long-enough-secret",
                "event_types": ["membership.status_changed", "event.published"],
            },
        ),
        201,
    )
    assert "secret" not in hook and "secret_encrypted" not in hook
    assert hook["id"] in {h["id"] for h in check(tenant_a.admin.get("/v1/webhooks"), 200)["items"]}
    assert tenant_b.admin.get(f"/v1/webhooks/{hook['id']}").status_code == 404
    assert tenant_b.admin.delete(f"/v1/webhooks/{hook['id']}").status_code == 404
    assert tenant_a.admin.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert tenant_a.admin.get(f"/v1/webhooks/{hook['id']}").status_code == 404


@covers("GET /v1/persons/{id}/export")
def test_export_includes_notifications_data(tenant_a, member):
    person_id = member["person"]["id"]
    export = check(tenant_a.admin.get(f"/v1/persons/{person_id}/export"), 200)
    notes = export["services"]["notifications"]
    assert notes["contact"]["email"] == member["email"]
    assert {m["kind"] for m in notes["messages"]} >= {"membership_activated", "campaign"}


@covers("GET /v1/persons/{id}/export", "POST /v1/persons")
def test_erasure_reaches_the_notifications_copy(tenant_a, api, platform):
    email = f"{unique('erase')}@example.test"
    person = check(
        tenant_a.admin.post("/v1/persons", {"name": "To Be Erased", "email": email, "language": "nl"}), 201
    )
    wait_until(
        lambda: check(platform.get(f"/v1/persons/{person['id']}/export"), 200)["services"]["notifications"][
            "contact"
        ]
    )
    check(tenant_a.admin.delete(f"/v1/persons/{person['id']}"), 202)

    def anonymised():
        contact = check(platform.get(f"/v1/persons/{person['id']}/export"), 200)["services"]["notifications"][
            "contact"
        ]
        return contact and contact["email"] is None and contact["name"] == "Erased person"

    assert wait_until(anonymised, timeout=20)


def test_openapi_documents_the_notifications_paths(api):
    paths = check(api.get("/v1/openapi.json"), 200)["paths"]
    for path in (
        "/v1/campaigns",
        "/v1/campaigns/{id}/send",
        "/v1/persons/{id}/preferences",
        "/v1/me/inbox",
        "/v1/unsubscribe",
        "/v1/webhooks",
    ):
        assert path in paths


def test_unknown_ids_are_404(tenant_a):
    missing = str(uuid.uuid4())
    assert tenant_a.admin.get(f"/v1/campaigns/{missing}").status_code == 404
    assert tenant_a.admin.get(f"/v1/webhooks/{missing}").status_code == 404
