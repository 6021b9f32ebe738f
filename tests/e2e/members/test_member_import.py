"""Member companies imported from a CSV table through the gateway: a dry run that answers what would
change and writes nothing, a real run that makes organisation, contact and membership per line, all or
nothing, and only for the association's own admins."""
import random

from tests.support.api import check, unique
from tests.support.covers import covers

HEADER = ("organisation_name,country,registration_kind,registration_number,contact_name,contact_email,"
          "membership_status\n")


def number():
    return str(random.randint(10_000_000, 99_999_999))


def members_of(tenant):
    return check(
        tenant.admin.get("/v1/memberships", params={"association_id": tenant.id, "limit": 200}), 200
    )["total"]


@covers("GET /v1/memberships/{id}", "GET /v1/persons/{id}", "POST /v1/associations/{id}/members/import")
def test_a_dry_run_then_a_real_run_then_everything_is_present(tenant_a):
    path = f"/v1/associations/{tenant_a.id}/members/import"
    first, second = f"{unique('ann')}@x.test", f"{unique('hal')}@x.test"
    table = (
        HEADER + f"{unique('Fjord Tools')},NL,KvK,{number()},Ann Fjord,{first},active\n"
        f"{unique('Harbour')},NL,KvK,{number()},Hal Harbour,{second},pending\n"
    )
    before = members_of(tenant_a)
    dry = check(
        tenant_a.admin.post(
            path, data=table.encode(), params={"dry_run": "true"}, headers={"Content-Type": "text/csv"}
        ),
        200,
    )
    assert dry["dry_run"] is True and dry["errors"] == {}
    assert dry["created"] == {"organisation": 2, "person": 2, "membership": 2}
    assert members_of(tenant_a) == before

    done = check(tenant_a.admin.post(path, {"csv": table}), 200)
    assert done["created"] == {"organisation": 2, "person": 2, "membership": 2}
    assert members_of(tenant_a) == before + 2
    membership = check(tenant_a.admin.get(f"/v1/memberships/{done['lines'][0]['membership_id']}"), 200)
    assert membership["status"] == "active"
    contact = check(tenant_a.admin.get(f"/v1/persons/{done['lines'][0]['person_id']}"), 200)
    assert contact["email"] == first

    again = check(tenant_a.admin.post(path, {"csv": table}, params={"dry_run": "true"}), 200)
    assert again["present"] == {"organisation": 2, "person": 2, "membership": 2}
    assert again["created"] == {"organisation": 0, "person": 0, "membership": 0}


def test_one_bad_line_imports_nothing_with_errors_by_line_and_field(tenant_a):
    path = f"/v1/associations/{tenant_a.id}/members/import"
    table = (
        HEADER + f"{unique('Good')},NL,KvK,{number()},Gus Good,{unique('gus')}@x.test,active\n"
        f"{unique('Bad')},NL,KvK,{number()},Bea Bad,not-an-address,active\n"
    )
    before = members_of(tenant_a)
    refused = tenant_a.admin.post(path, {"csv": table})
    assert refused.status_code == 422 and refused.headers["Content-Type"].startswith(
        "application/problem+json"
    )
    assert list(refused.json()["errors"]["csv"]) == ["line 3"]
    assert "contact_email" in refused.json()["errors"]["csv"]["line 3"]
    assert members_of(tenant_a) == before


def test_only_the_associations_own_admins_import(tenant_a, tenant_b):
    table = HEADER + f"{unique('Other')},NL,KvK,{number()},Ole Other,{unique('ole')}@x.test,active\n"
    assert (
        tenant_b.admin.post(f"/v1/associations/{tenant_a.id}/members/import", {"csv": table}).status_code
        == 403
    )
    assert (
        tenant_a.member.post(f"/v1/associations/{tenant_a.id}/members/import", {"csv": table}).status_code
        == 403
    )


def test_tables_that_cannot_be_imported_are_refused_naming_why(tenant_a):
    path = f"/v1/associations/{tenant_a.id}/members/import"
    before = members_of(tenant_a)
    line = f"{unique('Nul')},NL,KvK,{number()},Nora Nul,{unique('nora')}@x.test,active\n"
    # NUL once went through a text/csv upload into the organisation's name
    with_nul = tenant_a.admin.post(path, data=(HEADER + line.replace("Nul", "N\x00ul", 1)).encode(),
                                   headers={"Content-Type": "text/csv"})
    assert with_nul.status_code == 422, with_nul.text
    # a line break inside an unquoted cell once made the import a 500, then a raw Python message
    stray = tenant_a.admin.post(path, {"csv": HEADER + line.replace(",NL,", "\r,NL,", 1)},
                                headers={"Accept-Language": "de"})
    assert stray.status_code == 422, stray.text
    [message] = stray.json()["errors"]["csv"]
    assert message.startswith("Zeile 2: ") and "unquoted" not in message
    assert members_of(tenant_a) == before
