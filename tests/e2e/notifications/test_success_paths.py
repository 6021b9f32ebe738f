"""The success paths of campaign and webhook operations that the sending flows do not show: each call
made as the association's admin, its answer and a read afterwards checked."""
import json

from tests.e2e.notifications.test_notifications_api import campaign_body
from tests.integration.notifications.support import WebhookReceiver, wait_until
from tests.support.api import check, unique
from tests.support.covers import covers


@covers("PATCH /v1/campaigns/{id}", "POST /v1/campaigns/{id}/cancel")
def test_an_admin_changes_a_draft_campaign_then_cancels_it(tenant_a):
    campaign = check(tenant_a.admin.post("/v1/campaigns", campaign_body(tenant_a)), 201)
    path = f"/v1/campaigns/{campaign['id']}"
    name = unique("Autumn news")
    change = {
        "name": name,
        "sender_name": "Ondernemers Drenthe",
        "sender_email": "news@ondernemers.example",
        "contents": {"nl": {"subject": "Najaarsnieuws", "text": "Tot ziens in oktober."}},
    }
    changed = check(tenant_a.admin.patch(path, change), 200)
    for seen in (changed, check(tenant_a.admin.get(path), 200)):
        assert (seen["id"], seen["name"], seen["sender_name"], seen["sender_email"], seen["status"]) == (
            campaign["id"], name, "Ondernemers Drenthe", "news@ondernemers.example", "draft")
        assert list(seen["contents"]) == ["nl"]
        assert seen["contents"]["nl"]["subject"] == "Najaarsnieuws"

    cancelled = check(tenant_a.admin.post(f"{path}/cancel"), 200)
    assert (cancelled["id"], cancelled["status"]) == (campaign["id"], "cancelled")
    assert check(tenant_a.admin.get(path), 200)["status"] == "cancelled"


@covers("GET /v1/webhooks/{id}", "GET /v1/webhooks/{id}/deliveries")
def test_an_admin_reads_a_webhook_and_the_deliveries_it_received(tenant_a):
    receiver = WebhookReceiver(failures=0)
    try:
        body = {"url": receiver.url, "secret": "a-long-enough-secret",
                "event_types": ["membership.status_changed"]}
        hook = check(tenant_a.admin.post("/v1/webhooks", body), 201)
        seen = check(tenant_a.admin.get(f"/v1/webhooks/{hook['id']}"), 200)
        assert (seen["id"], seen["association_id"], seen["url"], seen["event_types"], seen["active"]) == (
            hook["id"], tenant_a.id, receiver.url, ["membership.status_changed"], True)
        assert "secret" not in seen

        organisation = check(
            tenant_a.admin.post("/v1/organisations", {"name": unique("Hooked"), "country": "NL"}), 201)
        membership = check(tenant_a.admin.post("/v1/memberships", {
            "organisation_id": organisation["id"], "association_id": tenant_a.id, "type": "full"}), 201)
        check(tenant_a.admin.post(f"/v1/memberships/{membership['id']}/transitions", {"to": "active"}), 200)

        def sent():
            page = check(tenant_a.admin.get(f"/v1/webhooks/{hook['id']}/deliveries"), 200)
            return [d for d in page["items"] if d["status"] == "sent"]

        deliveries = wait_until(sent, timeout=30)
        assert deliveries, "no delivery was sent"
        assert {(d["event_type"], d["response_status"], d["attempts"]) for d in deliveries} == {
            ("membership.status_changed", 204, 1)}
        bodies = [json.loads(body) for _, body in receiver.requests]
        assert membership["id"] in {body["data"]["membership_id"] for body in bodies}
        assert {d["cause_id"] for d in deliveries} <= {body["id"] for body in bodies}
    finally:
        receiver.stop()
