"""The HTTP edge as clients nobody on the project wrote see it: hostile path
ids are 404 problems on a well-formed HTTP answer (never a 500 or a dropped
connection), no log line can be forged through a request, every response
carries the security headers, and errors are problems, never HTML pages."""
import http.client
import json
import logging
import re
from urllib.parse import quote, urlsplit

import pytest

import gateway.service  # noqa: F401  (declares every route)
from gateway.http import ROUTES
from nabo_common.runtime.logs import TextFormatter
from services.notifications import config as notifications_config
from services.notifications.domain import tokens

# control characters, non-ASCII (U+0100 cannot go into a Latin-1 header), NUL, path tricks, very long values
HOSTILE_IDS = ["a\r\nb", "\u0100", "\x00", "x\x1b[31m", "..", "\U0001F600" * 3, "9" * 3000,
               "3f0c2a4e-8d1b-4c7a-9e55-2b6f0d9a1c33\r\nSet-Cookie: a=b"]
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def raw_request(base_url, method, path, headers=None):
    """One request over a fresh connection; an answer that is not HTTP or a dropped connection raises."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _with_ids(path, value):
    return re.sub(r"\{\w+\}", quote(value, safe=""), path)


def _path_routes():
    return sorted({(route.method, route.path) for route in ROUTES if "{" in route.path})


@pytest.mark.parametrize("method, path", _path_routes())
def test_hostile_path_ids_are_404_problems(system, tenant_a, method, path, caplog):
    token = tenant_a.admin.token
    caplog.set_level(logging.INFO, logger="nabo.gateway")
    for value in HOSTILE_IDS:
        sent = {"Authorization": f"Bearer {token}"}
        if method != "GET":
            sent.update({"Content-Type": "application/json", "Content-Length": "0"})
        status, headers, body = raw_request(system.url("gateway"), method, _with_ids(path, value), sent)
        assert status == 404, f"{method} {path} with {value[:20]!r}: {status} {body[:200]!r}"
        assert headers["content-type"] == "application/problem+json", headers
        assert "set-cookie" not in headers and "content-disposition" not in headers
    for record in caplog.records:
        assert "\n" not in TextFormatter("%(message)s").formatMessage(record), record.getMessage()


def test_a_crlf_in_a_calendar_id_neither_fails_nor_forges_a_log_line(system, caplog):
    caplog.set_level(logging.INFO, logger="nabo.gateway")
    status, headers, _ = raw_request(system.url("gateway"), "GET", "/v1/networks/a%0D%0Ab/calendar.ics")
    assert status == 404 and headers["content-type"] == "application/problem+json"
    status, headers, _ = raw_request(system.url("gateway"), "GET", "/v1/networks/%C4%80/calendar.ics")
    assert status == 404 and headers["content-type"] == "application/problem+json"
    formatter = TextFormatter("%(message)s")
    lines = [formatter.format(r) for r in caplog.records if "calendar.ics" in r.getMessage()]
    assert lines and all("\n" not in line and "\r" not in line for line in lines), lines


@pytest.mark.parametrize("path", ["/favicon.ico", "/v1/no-such-thing", "/v1/events/x/y/z", "/robots.txt"])
def test_unknown_paths_are_404_problems_not_html(system, path):
    status, headers, body = raw_request(system.url("gateway"), "GET", path)
    assert status == 404 and headers["content-type"] == "application/problem+json", body[:200]
    assert b"<html" not in body.lower()
    assert json.loads(body)["title"] == "Not found"  # as the routes' own 404s


def test_a_method_a_path_does_not_take_is_a_405_problem_naming_the_allowed_ones(system):
    status, headers, _ = raw_request(system.url("gateway"), "PUT", "/v1/openapi.json")
    assert status == 405 and headers["content-type"] == "application/problem+json"
    assert "GET" in headers["allow"]


@pytest.mark.parametrize("path", ["/v1/openapi.json", "/v1/docs", "/health/live", "/metrics", "/",
                                  "/v1/events", "/favicon.ico", "/v1/me"])
def test_every_response_carries_the_security_headers(system, path):
    status, headers, _ = raw_request(system.url("gateway"), "GET", path)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{path} ({status}): {name} is {headers.get(name)!r}"
    if headers.get("content-type", "").startswith("text/html"):
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        # the API page runs Swagger UI from the gateway's own files; no other page runs a script
        scripts = "script-src 'self';" if path == "/v1/docs" else None
        assert (scripts in policy) if scripts else ("script-src" not in policy), policy


@pytest.mark.parametrize("name", ["..%2Fapipage.py", "index.html", "swagger-initializer.js", "nope.js"])
def test_the_api_page_serves_only_its_own_files(system, name):
    status, headers, _ = raw_request(system.url("gateway"), "GET", f"/v1/docs/assets/{name}")
    assert status == 404 and headers["content-type"] == "application/problem+json"


def test_the_unsubscribe_page_is_html_under_a_strict_policy(system, tenant_a):
    keys = notifications_config.load().unsubscribe_keys
    token = tokens.sign(keys, tenant_a.member_person["id"], tenant_a.id, "newsletter")
    status, headers, body = raw_request(system.url("gateway"), "GET", f"/v1/unsubscribe?token={quote(token)}")
    assert status == 200 and headers["content-type"].startswith("text/html"), body[:300]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]
