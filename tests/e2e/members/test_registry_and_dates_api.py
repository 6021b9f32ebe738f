"""Organisation registry numbers and membership dates through the gateway: numbers are checked by
their register and unique within one association only; a membership never ends before it starts."""
import random

import pytest

from tests.support.api import check, unique
from tests.support.covers import covers


def kvk_number():
    return f"{random.randint(10**7, 10**8 - 1)}"


def organisation(tenant, **fields):
    body = dict({"name": unique("Bedrijf"), "country": "NL"}, **fields)
    return tenant.admin.post("/v1/organisations", body)


def test_registry_numbers_are_unique_within_an_association_only(tenant_a, tenant_b):
    number = kvk_number()
    first = check(organisation(tenant_a, registration_kind="KvK", registration_number=number), 201)
    again = organisation(tenant_a, registration_kind="KvK", registration_number=f"{number[:4]} {number[4:]}")
    # the Dutch association's admin reads Dutch
    assert again.status_code == 409 and again.json()["detail"] == (
        "Deze vereniging heeft al een organisatie met dit registratienummer geregistreerd.")
    # the same company in another association's register is that association's own record
    other = check(organisation(tenant_b, registration_kind="KvK", registration_number=number), 201)
    assert other["id"] != first["id"]
    assert other["registration_number"] == first["registration_number"] == number


@pytest.mark.parametrize("kind, number, country, field", [
    ("KvK", "12ABxyz", "NL", "registration_number"),
    ("CVR", "13585627", "DK", "registration_number"),
    ("org.nr", "5560360794", "SE", "registration_number"),
    ("HRB", "HRB 12345", "DE", "registration_number"),
    ("CVR", "13585628", "NL", "registration_kind"),
])
def test_registry_numbers_are_checked_by_their_register(tenant_a, kind, number, country, field):
    r = organisation(tenant_a, registration_kind=kind, registration_number=number, country=country)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert field in r.json()["errors"], r.text


def test_valid_registry_numbers_are_stored_in_normal_form_and_checked_on_change(tenant_a):
    court = check(organisation(tenant_a, country="DE", registration_kind="HRB",
                               registration_number="Amtsgericht Köln HRB 12345"), 201)
    assert court["registration_number"] == "Köln HRB 12345"
    swedish = check(organisation(tenant_a, country="SE", registration_kind="org.nr",
                                 registration_number="5560360793"), 201)
    assert swedish["registration_number"] == "556036-0793"
    r = tenant_a.admin.patch(f"/v1/organisations/{swedish['id']}", {"registration_kind": "KvK",
                                                                      "registration_number": "12ABxyz"})
    assert r.status_code == 422 and "registration_kind" in r.json()["errors"]
    r = tenant_a.admin.patch(f"/v1/organisations/{court['id']}", {"country": "DK"})
    assert r.status_code == 422 and "registration_kind" in r.json()["errors"]


@covers("GET /v1/memberships/{id}", "PATCH /v1/memberships/{id}", "POST /v1/memberships")
def test_a_membership_cannot_end_before_it_starts(tenant_a):
    org = check(organisation(tenant_a), 201)
    r = tenant_a.admin.post("/v1/memberships", {
        "organisation_id": org["id"], "association_id": tenant_a.id, "type": "full",
        "start_date": "2026-01-01", "end_date": "2025-12-31"})
    assert r.status_code == 422 and "end_date" in r.json()["errors"]
    membership = check(tenant_a.admin.post("/v1/memberships", {
        "organisation_id": org["id"], "association_id": tenant_a.id, "type": "full",
        "start_date": "2026-01-01"}), 201)
    path = f"/v1/memberships/{membership['id']}"
    r = tenant_a.admin.patch(path, {"end_date": "2020-01-01"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "end_date" in r.json()["errors"]
    assert check(tenant_a.admin.get(path), 200)["end_date"] is None
    assert check(tenant_a.admin.patch(path, {"end_date": "2026-12-31"}), 200)["end_date"] == "2026-12-31"
