import pytest

from tests.e2e.members.test_networks_api import E_COMMERCE, _person
from tests.support.api import check, unique


@pytest.fixture(scope="module")
def market(tenant_a, tenant_b):
    """A Dutch organisation offering web shops and a German one needing one, both visible across
    associations."""
    sides = {}
    for key, tenant, country, language, kind, title in (
        ("nl", tenant_a, "NL", "nl", "offer", "Wij bouwen webwinkels"),
        ("de", tenant_b, "DE", "de", "need", "Wir brauchen einen Onlineshop"),
    ):
        org = check(
            tenant.admin.post(
                "/v1/organisations",
                {
                    "name": unique(f"Shop {country}"),
                    "country": country,
                    "sector": "47.91" if key == "de" else "62.01",
                    "visibility": "all_associations",
                },
            ),
            201,
        )
        check(
            tenant.admin.post(
                "/v1/memberships", {"organisation_id": org["id"], "association_id": tenant.id, "type": "full"}
            ),
            201,
        )
        person, client = _person(tenant, org["id"], language=language)
        item = check(
            client.post(
                f"/v1/organisations/{org['id']}/offers-and-needs",
                {"kind": kind, "title": title, "themes": [E_COMMERCE]},
            ),
            201,
        )
        sides[key] = {"org": org, "person": person, "client": client, "item": item, "tenant": tenant}
    return sides
