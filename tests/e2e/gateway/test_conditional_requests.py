"""Conditional GETs: an answer's ETag sent back in If-None-Match is answered 304 without a body while the
resource is unchanged, and 200 with a new ETag once it changed."""
from tests.support.api import Tenant, check


def test_an_unchanged_organisation_is_answered_304_and_a_changed_one_200(api, platform):
    tenant = Tenant(api, platform)
    path = f"/v1/organisations/{tenant.organisation['id']}"
    first = tenant.admin.get(path)
    check(first, 200)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert {"Authorization", "Accept-Language"} <= {v.strip() for v in first.headers["Vary"].split(",")}

    again = tenant.admin.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304, again.text
    assert again.content == b""
    assert again.headers["ETag"] == etag

    check(tenant.admin.patch(path, {"name": "Company renamed"}), 200)
    changed = tenant.admin.get(path, headers={"If-None-Match": etag})
    check(changed, 200)
    assert changed.json()["name"] == "Company renamed"
    assert changed.headers["ETag"] != etag


def test_a_public_listing_and_the_api_document_can_be_revalidated(api):
    for path in ("/v1/events", "/v1/openapi.json"):
        first = api.get(path)
        check(first, 200)
        assert first.headers["Cache-Control"].startswith(("no-cache", "public"))
        again = api.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        # a tag the client made up is not this answer's
        assert api.get(path, headers={"If-None-Match": '"made-up"'}).status_code == 200


def test_writes_and_refused_reads_carry_no_etag(api):
    refused = api.get("/v1/events?limit=0")
    assert refused.status_code == 422
    assert "ETag" not in refused.headers
    # a refused read is never 304, whatever the client sends
    assert api.get("/v1/events?limit=0", headers={"If-None-Match": "*"}).status_code == 422
