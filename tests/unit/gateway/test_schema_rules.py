"""The OpenAPI document states what the services enforce: for sample bodies, the document's schema (as
JSON Schema, the way a client or a test generator reads it) takes what the service takes."""
import re

import pytest
from marshmallow import Schema, fields

import gateway.service  # noqa: F401 - registers the routes the document is built from
from contracts.api import conversations, events, ideas, meeting_markets, members, networks, notifications
from gateway import idempotency
from gateway.openapi import build
from gateway.schema_rules import HTTP_URL
from nabo_common.api.errors import BadInput
from tests.support.openapi_schema import validator

DOC = build()
ID = "3f0c2a4e-8d1b-4c7a-9e55-2b6f0d9a1c33"
EVENT = {"title": "T", "languages": ["da"], "starts_at": "2031-01-01T10:00:00Z",
         "ends_at": "2031-01-01T11:00:00Z", "time_zone": "Europe/Copenhagen"}
CAMPAIGN = {"name": "N", "sender_name": "S", "contents": {"da": {"subject": "s", "text": "t"}},
            "segment": {"countries": ["DK"]}}
MARKET = {"mode": "online", "meeting_minutes": 20, "max_meetings_per_participant": 8,
          "windows": [{"starts_at": "2031-01-01T10:00:00Z", "ends_at": "2031-01-01T11:00:00Z"}]}
PHASE = {"phase": "collecting_ideas", "starts_on": "2031-01-01"}
CVR = {"name": "A/S", "registration_kind": "CVR", "registration_number": "13585628"}


def document_accepts(name, body):
    return validator(DOC["components"]["schemas"][name], DOC).is_valid(body)


# (component, body, whether the service takes it): the schema's own validation where the rule is there,
# else what the service's domain answers (its message in the comment)
CASES = [
    ("AttendanceCreate", {"name": "Walk-in"}, True),
    ("AttendanceCreate", {"registration_id": ID}, True),
    ("AttendanceCreate", {"anonymous_count": 3}, True),
    ("AttendanceCreate", {}, False),
    ("AttendanceCreate", {"name": "Walk-in", "anonymous_count": 3}, False),
    ("AttendanceCreate", {"registration_id": ID, "email": "a@example.dk"}, False),
    ("AttendanceCreate", {"name": "Walk-in", "email": "a@example.dk"}, True),
    ("IdeaTransition", {"to": "declined"}, False),
    ("IdeaTransition", {"to": "declined", "reason": "Covered elsewhere"}, True),
    ("IdeaTransition", {"to": "merged"}, False),
    ("IdeaTransition", {"to": "merged", "into_idea_id": ID}, True),
    ("IdeaTransition", {"to": "accepted", "into_idea_id": ID}, False),
    ("IdeaTransition", {"to": "accepted"}, True),
    ("PersonRoleGrant", {"scope": "association", "scope_id": ID, "role": "admin"}, True),
    ("PersonRoleGrant", {"scope": "association", "scope_id": ID, "role": "ceo"}, False),  # Must be admin.
    ("PersonRoleGrant", {"scope": "organisation", "scope_id": ID, "role": "admin"}, False),  # org role
    ("PersonRoleGrant", {"scope": "organisation", "scope_id": ID, "role": "ceo"}, True),
    ("ThemeCreate", {"key": "green-energy", "labels": {}}, False),
    ("ThemeCreate", {"key": "green-energy", "labels": {"da": "Grøn energi"}}, True),
    ("BulkRegistrationCreate", {"registrations": [{"person_id": ID}]}, True),
    ("BulkRegistrationCreate", {"registrations": [{"name": "Anne"}]}, False),  # Give the e-mail address
    ("BulkRegistrationCreate", {"registrations": [{"name": "Anne", "email": "anne@example.dk"}]}, True),
    ("EventCreate", dict(EVENT, format="hybrid"), False),  # Give an address or a host_organisation_id
    ("EventCreate", dict(EVENT, format="hybrid", venue={"address": "Havnegade 1"}), True),
    ("EventCreate", dict(EVENT, format="online"), True),
    ("EventUpdate", {"format": "in_person", "venue": None}, False),
    ("EventUpdate", {"format": "in_person"}, True),  # when the event has a venue
    ("EventUpdate", {"venue": {"host_organisation_id": None}}, False),
    ("EventUpdate", {"venue": None}, True),
    ("PostUpdate", {}, False),  # Give body, themes, links or hidden.
    ("PostUpdate", {"hidden": True}, True),
    ("ThreadUpdate", {}, False),  # Give title, kind or locked.
    ("ThreadUpdate", {"locked": True}, True),
    ("CampaignUpdate", {"segment": {}}, False),  # Give at least one criterion.
    ("CampaignUpdate", {"segment": {"countries": []}}, False),
    ("CampaignUpdate", {"segment": {"max_age": 30}}, True),
    ("CampaignUpdate", {"segment": {"countries": ["DK"]}}, True),
    ("PanelUpdate", {"phases": [PHASE, PHASE]}, False),  # Each entry may appear once.
    ("PanelUpdate", {"phases": [PHASE]}, True),
    ("MeetingMarketSettings", dict(MARKET, online_link_template="https://meet.example.dk/room"), False),
    ("MeetingMarketSettings", dict(MARKET, online_link_template="https://meet.example.dk/{meeting_id}"),
     True),
    ("CampaignCreate", dict(CAMPAIGN, contents={}), False),
    ("CampaignCreate", dict(CAMPAIGN, contents={"xx": {"subject": "s", "text": "t"}}), False),
    ("CampaignCreate", CAMPAIGN, True),
    ("OrganisationCreate", {"name": "A/S", "country": "DK"}, True),
    ("OrganisationCreate", {"name": "A/S", "country": "XX"}, False),
    ("OrganisationCreate", {"name": "A/S", "country": "DK", "registration_kind": "CVR"}, False),
    ("OrganisationCreate", dict(CVR, country="DK"), True),
    ("OrganisationCreate", dict(CVR, country="SE"), False),  # A CVR number is issued in DK
    ("OrganisationCreate", dict(CVR, country="DK", registration_number="DK 1358-5628"), True),
    ("OrganisationCreate", dict(CVR, country="DK", registration_number="ABC"), False),
    ("AssociationCreate", {"name": "A", "slug": "a-b", "country": "DK", "default_language": "da",
                           "time_zone": "Mars/Olympus"}, False),
]
SCHEMAS = {"AttendanceCreate": events.AttendanceCreate, "IdeaTransition": ideas.IdeaTransition,
           "PersonRoleGrant": members.PersonRoleGrant, "ThemeCreate": networks.ThemeCreate,
           "BulkRegistrationCreate": events.BulkRegistrationCreate, "EventCreate": events.EventCreate,
           "EventUpdate": events.EventUpdate, "CampaignCreate": notifications.CampaignCreate,
           "OrganisationCreate": members.OrganisationCreate, "AssociationCreate": members.AssociationCreate,
           "PostUpdate": conversations.PostUpdate, "ThreadUpdate": conversations.ThreadUpdate,
           "CampaignUpdate": notifications.CampaignUpdate, "PanelUpdate": ideas.PanelUpdate,
           "MeetingMarketSettings": meeting_markets.MeetingMarketSettings}


@pytest.mark.parametrize("name,body,taken", CASES)
def test_the_document_takes_a_body_when_the_service_does(name, body, taken):
    assert document_accepts(name, body) == taken
    if taken:
        assert SCHEMAS[name]().validate(body) == {}


class _Url(Schema):
    url = fields.Url(schemes={"http", "https"})
    dotless = fields.Url(schemes={"http", "https"}, require_tld=False)


@pytest.mark.parametrize("url", [
    "https://www.example.dk", "HTTP://A.DK/x?y=1", "http://localhost:8080/h", "http://127.0.0.1:9/x",
    "http://[::1]/", "ftp://a.dk", "http://ø.dk/side", "http://hooks/x", "0", "", "https://0.com",
    "http://u:p@a.dk", "https://a.dk/with space",
])
def test_the_url_pattern_takes_what_the_url_field_takes(url):
    for field, require_tld in (("url", True), ("dotless", False)):
        taken = not _Url().validate({field: url})
        assert bool(re.search(HTTP_URL[require_tld], url)) == taken, (field, url)


def test_time_zones_and_countries_are_shared_enums_with_distinct_member_names():
    zones = DOC["components"]["schemas"]["TimeZone"]
    assert "Europe/Copenhagen" in zones["enum"] and "GMT0" in zones["enum"]
    assert len({name.upper() for name in zones["x-enum-varnames"]}) == len(zones["enum"])
    countries = DOC["components"]["schemas"]["CountryCode"]["enum"]
    assert {"DK", "NL", "DE", "SE", "GB"} <= set(countries) and "XX" not in countries
    time_zone = DOC["components"]["schemas"]["EventCreate"]["properties"]["time_zone"]
    assert time_zone["allOf"] == [{"$ref": "#/components/schemas/TimeZone"}]


@pytest.mark.parametrize("key, taken", [("retry-1", True), ("clé-1", False), ("tab\tkey", False)])
def test_the_idempotency_key_pattern_takes_what_the_gateway_takes(key, taken):
    operation = DOC["paths"]["/v1/events"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == idempotency.HEADER)
    assert validator(header["schema"], DOC).is_valid(key) == taken
    try:
        idempotency.parse_key(key)
    except BadInput:
        assert not taken
    else:
        assert taken


def test_a_body_that_may_not_be_empty_must_be_sent():
    """A missing body means {}: where the schema refuses {} (minProperties), the body is required."""
    optional = []
    for path, operations in DOC["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {})
            ref = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
            schema = DOC["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            if schema.get("minProperties") and not body["required"]:
                optional.append(f"{method.upper()} {path}")
    assert optional == []
    for path in ("/v1/posts/{id}", "/v1/threads/{id}"):
        assert DOC["paths"][path]["patch"]["requestBody"]["required"] is True


def test_a_calendar_feed_says_a_bearer_token_with_a_feed_token_is_400():
    feeds = [ops["get"] for path, ops in DOC["paths"].items() if path.endswith("/calendar.ics")]
    assert len(feeds) == 3
    for operation in feeds:
        assert "?token=" in operation["responses"]["400"]["description"]
