"""Subscription URLs built from a new feed token, and request lines logged without it."""
import logging

from gateway.calendars import subscription_links
from gateway.metrics import WEB_SERVER_LOG, without_tokens


def test_subscription_links_are_built_on_the_public_base_url():
    answer = {"token": "abc_DEF-123", "created_at": "2030-01-01T00:00:00+00:00",
              "association_ids": ["a1"], "network_ids": ["n1"]}
    links = subscription_links("https://nabo.example/", answer)
    assert links["token"] == "abc_DEF-123" and links["created_at"] == answer["created_at"]
    assert links["feeds"] == [
        {"kind": "association", "id": "a1",
         "url": "https://nabo.example/v1/associations/a1/calendar.ics?token=abc_DEF-123",
         "webcal_url": "webcal://nabo.example/v1/associations/a1/calendar.ics?token=abc_DEF-123"},
        {"kind": "network", "id": "n1",
         "url": "https://nabo.example/v1/networks/n1/calendar.ics?token=abc_DEF-123",
         "webcal_url": "webcal://nabo.example/v1/networks/n1/calendar.ics?token=abc_DEF-123"}]


def test_tokens_in_query_strings_are_redacted():
    line = '127.0.0.1 - - "GET /v1/networks/n1/calendar.ics?lang=da&token=s3cr3t-_x&Token=two HTTP/1.1" 200'
    assert without_tokens(line) == ('127.0.0.1 - - "GET /v1/networks/n1/calendar.ics?lang=da&token=[redacted]'
                                    '&Token=[redacted] HTTP/1.1" 200')
    assert without_tokens("GET /v1/me HTTP/1.1") == "GET /v1/me HTTP/1.1"


def test_the_web_servers_request_lines_lose_their_tokens(caplog):
    caplog.set_level(logging.INFO, logger=WEB_SERVER_LOG)
    logging.getLogger(WEB_SERVER_LOG).info('"GET /v1/events/e1/calendar.ics?token=%s HTTP/1.1" 200', "s3cr3t")
    assert "s3cr3t" not in caplog.text and "calendar.ics?token=[redacted]" in caplog.text
