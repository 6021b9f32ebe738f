"""Answers an operator need not act on leave no traceback: a 404 or a 422, raised in the events
service and answered by the gateway, is one INFO line in each, never an ERROR record."""
import logging
import time
import uuid


def test_not_found_and_invalid_input_log_no_traceback_and_no_error(tenant_a, caplog):
    caplog.set_level(logging.INFO)
    assert tenant_a.admin.get(f"/v1/events/{uuid.uuid4()}").status_code == 404
    assert tenant_a.admin.patch(f"/v1/events/{uuid.uuid4()}", {"title": "x"}).status_code == 404
    assert tenant_a.admin.post("/v1/events", {"title": ""}).status_code == 422
    time.sleep(0.3)  # the workers' lines are written once their answers are sent
    failed = [r for r in caplog.records if r.name == "nabo.worker" and getattr(r, "outcome", None) == "error"]
    assert {r.error for r in failed} >= {"NotFound"}, "control: the failures were logged"
    assert all(r.levelno == logging.INFO for r in failed)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text
