"""What people read from the API follows Accept-Language: refusals, field errors (with codes that do not
change with the language), match reasons and calendar feed names, through the gateway and the services."""
from datetime import date

from tests.e2e.members.test_networks_api import _network, _person
from tests.support.api import check, unique


def test_a_refused_join_reads_swedish(tenant_a):
    network = _network(tenant_a.member, [tenant_a.id], name={"en": unique("Young founders")},
                       eligibility={"max_age": 30})
    _old, client = _person(tenant_a, tenant_a.organisation["id"], birth_year=date.today().year - 40)
    refused = client.post(f"/v1/networks/{network['id']}/members", {}, headers={"Accept-Language": "sv"})
    assert refused.status_code == 403
    body = refused.json()
    assert body["detail"] == "Det här nätverket är för personer upp till 30 år."
    assert body["title"] == "Inte tillåtet" and body["type"].endswith("/forbidden")


def test_a_validation_error_reads_german_with_stable_codes(tenant_a):
    headers = {"Accept-Language": "fr;q=0.9, de;q=0.8, en;q=0.1"}
    answers = [
        tenant_a.admin.post("/v1/persons", {"name": "", "email": "not-an-address"}, headers=language)
        for language in (headers, {"Accept-Language": "en"})
    ]
    german, english = (check(answer, 422) for answer in answers)
    assert german["title"] == "Validierung fehlgeschlagen"
    assert german["errors"]["email"] == ["Keine gültige E-Mail-Adresse."]
    codes = {(e["field"], e["code"]) for e in german["field_errors"]}
    assert ("email", "invalid_email") in codes
    assert codes == {(e["field"], e["code"]) for e in english["field_errors"]}
    assert german["type"] == english["type"]
    assert english["errors"]["email"] == ["Not a valid email address."]


def test_match_reasons_read_german(market):
    nl, de = market["nl"], market["de"]
    found = check(nl["client"].get(f"/v1/organisations/{nl['org']['id']}/matches",
                                   params={"cross_border": "true"}, headers={"Accept-Language": "de"}), 200)
    top = next(s for s in found["items"] if s["organisation"]["id"] == de["org"]["id"])
    assert top["reasons"][0]["kind"] == "needs_your_offer"
    assert top["reasons"][0]["text"] == "Diese Organisation braucht, was Sie anbieten."


def test_a_network_feed_is_named_in_dutch(api, tenant_a):
    name = unique("Jonge webbouwers")
    network = _network(tenant_a.member, [tenant_a.id], name={"nl": name, "de": "Junge Webbauer"},
                       visibility="public")
    feed = api.get(f"/v1/networks/{network['id']}/calendar.ics",
                   headers={"Accept-Language": "nl-BE, de;q=0.5"})
    assert feed.status_code == 200, feed.text
    assert f"X-WR-CALNAME:Evenementen van het netwerk {name}" in feed.text.replace("\r\n ", "")


def test_the_gateways_own_problems_follow_accept_language_before_sign_in(api):
    unsigned = api.post("/v1/persons", {"name": "x"}, headers={"Accept-Language": "sv-SE, en;q=0.5"})
    assert unsigned.status_code == 401
    assert (unsigned.json()["title"], unsigned.json()["type"]) == (
        "Inte inloggad", "https://nabo.example/problems/not-authenticated")
    nowhere = api.get("/v1/nowhere", headers={"Accept-Language": "da"})
    assert nowhere.status_code == 404
    assert nowhere.json()["detail"] == "Der findes ingen ressource på denne sti."


def test_an_answer_to_no_route_names_its_request_like_every_other(api):
    chosen = api.get("/v1/nowhere", headers={"X-Request-ID": "trace-4711-nowhere"})
    assert chosen.status_code == 404 and chosen.headers["X-Request-ID"] == "trace-4711-nowhere"
    assert chosen.json()["request_id"] == "trace-4711-nowhere"
    made = api.get("/v1/nowhere")
    assert made.json()["request_id"] == made.headers["X-Request-ID"] != "trace-4711-nowhere"
