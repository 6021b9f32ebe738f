"""Answers say the language their words are in (Content-Language) and that Accept-Language chose it
(Vary): problems, documents and calendars always, the JSON of routes whose services write labels and
names in the caller's language; answers with no words chosen by language name none."""
import json
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

import gateway.service  # noqa: F401  (declares every route)
from gateway import idempotency, openapi, problems
from gateway.calendars import calendar_response
from gateway.documents import document_response
from gateway.http import ROUTES, ApiRoute, RouteSpec
from gateway.parsing import parse_query
from gateway.routes.events import EventsRoutes
from gateway.routes.notifications import NotificationsRoutes
from gateway.server import GatewayRoute
from nabo_common.api.errors import BadInput, NotFound, ValidationFailed
from nabo_common.runtime.context import Caller


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_problem_says_the_language_it_was_written_in_and_that_accept_language_chose_it(language):
    answer = problems.problem_for(NotFound("{what} not found.", what="Network"))
    problems.localise(answer, language)
    assert answer.headers["Content-Language"] == language
    assert "Accept-Language" in answer.vary
    assert json.loads(answer.get_data())["detail"] == {"en": "Network not found.",
                                                       "de": "Netzwerk nicht gefunden."}[language]


def test_a_document_and_a_calendar_say_the_callers_language():
    page = document_response({"content_type": "text/html; charset=utf-8", "filename": "r.html", "body": "x"},
                             "nl")
    assert page.headers["Content-Language"] == "nl"
    assert page.headers["Vary"] == "Accept, Accept-Language"
    request = Request(EnvironBuilder(path="/v1/events/x/calendar.ics").get_environ())
    request.caller = Caller(language="sv")
    feed = calendar_response(request, {"calendar": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                                       "filename": "e.ics"})
    assert feed.headers["Content-Language"] == "sv"
    assert "Accept-Language" in feed.vary


def routed(monkeypatch, spec, answer):
    """``answer`` as an API route declared by ``spec`` lets it leave, for a caller reading Danish."""
    monkeypatch.setattr(GatewayRoute, "handle_request", lambda self, request: answer)
    request = Request(EnvironBuilder(path="/v1/x").get_environ())
    request.caller = Caller(language="da")
    return ApiRoute("GET", "/v1/x", spec=spec)._routed(request)


def test_a_localised_routes_answer_says_the_callers_language(monkeypatch):
    answer = routed(monkeypatch, RouteSpec("GET", "/v1/x", localised=True), Response("{}"))
    assert answer.headers["Content-Language"] == "da"
    assert "Accept-Language" in answer.vary


@pytest.mark.parametrize("spec, answer", [
    (RouteSpec("GET", "/v1/x"), Response("{}")),  # words chosen by no language
    (RouteSpec("GET", "/v1/x", localised=True), Response(status=204)),  # no words at all
])
def test_an_answer_without_words_chosen_by_language_names_none(monkeypatch, spec, answer):
    answer = routed(monkeypatch, spec, answer)
    assert "Content-Language" not in answer.headers
    assert "Accept-Language" not in answer.vary


def test_a_replay_keeps_its_first_language_whatever_the_retry_asks(monkeypatch):
    first = Response("{}", headers={"Content-Language": "de", idempotency.REPLAYED_HEADER: "true"})
    answer = routed(monkeypatch, RouteSpec("POST", "/v1/x", localised=True), first)
    assert answer.headers.getlist("Content-Language") == ["de"]
    assert "Accept-Language" not in answer.vary


# the routes whose services write labels and names (themes, networks, organisations met, events' hosts,
# reports, catalogues, preferences, the networks of a person's export) in the caller's language
LOCALISED = {"list_themes", "get_theme", "create_theme", "update_theme", "transition_theme", "merge_theme",
             "suggest_matches", "search_networks", "create_network", "get_network", "update_network",
             "wake_network", "add_network_owner", "decide_network_owner", "programme_report", "search_events",
             "create_event", "get_event", "update_event", "transition_event", "get_catalogue",
             "get_preferences", "update_preferences", "export_person"}


def test_the_routes_whose_services_write_in_the_callers_language_are_declared_localised():
    assert {spec.name for spec in ROUTES if spec.localised} == LOCALISED


def test_the_api_document_says_which_answers_name_their_language():
    document = openapi.build()
    theme = document["paths"]["/v1/themes/{id}"]["get"]["responses"]["200"]
    assert "Content-Language" in theme["headers"]
    organisation = document["paths"]["/v1/organisations/{id}"]["get"]["responses"]["200"]
    assert "Content-Language" not in organisation.get("headers", {})


NOT_VALID = "This unsubscribe link is not valid; use the link from the latest message."


def followed(monkeypatch, route, headers):
    """What a mangled link's route answers a request with ``headers`` and no sign-in."""
    spec = next(r for r in ROUTES if r.name == route)
    monkeypatch.setattr(GatewayRoute, "handle_request",
                        lambda self, request: problems.problem_for(BadInput(NOT_VALID)))
    request = Request(EnvironBuilder(path=spec.path, query_string="token=garbage", headers=headers)
                      .get_environ())
    request.caller, request.nabo_request_id = None, "r1"
    return ApiRoute(spec.method, spec.path, spec=spec)._routed(request)


@pytest.mark.parametrize("route", ["unsubscribe_page", "unsubscribe", "registration_cancel_page",
                                   "cancel_registration_by_link"])
def test_a_mangled_link_opened_in_a_browser_is_a_page_in_its_language(monkeypatch, route):
    page = followed(monkeypatch, route, {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                                         "Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert page.headers["Content-Language"] == "de" and {"Accept", "Accept-Language"} <= set(page.vary)
    text = page.get_data(as_text=True)
    assert '<html lang="de">' in text and "Dieser Link funktioniert nicht" in text
    assert "Dieser Abmeldelink ist nicht gültig" in text  # what the service said, in German
    assert "ganzen Link" in text  # and what to do
    # a client that does not ask for HTML still gets the problem as JSON
    problem = followed(monkeypatch, route, {"Accept": "application/json", "Accept-Language": "de"})
    assert problem.status_code == 400 and problem.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", ["token=abc", "token=", "", "token=" + "a" * 2001, "token=" + "é" * 30])
@pytest.mark.parametrize("route", ["unsubscribe_page", "unsubscribe", "registration_cancel_page",
                                   "cancel_registration_by_link"])
def test_a_token_that_cannot_be_one_fails_validation_as_the_docs_say(route, query):
    spec = next(r for r in ROUTES if r.name == route)
    request = Request(EnvironBuilder(method=spec.method, path=spec.path, query_string=query).get_environ())
    with pytest.raises(ValidationFailed) as refused:
        parse_query(request, spec.query)
    assert refused.value.status == 422 and "token" in refused.value.errors
    # the page a browser gets for it says the link is incomplete or changed
    page = problems.as_link_page(problems.problem_for(refused.value), "en")
    assert page.status_code == 422 and "The link is not complete" in page.get_data(as_text=True)


def test_the_docs_say_which_broken_links_are_400_and_which_422():
    text = " ".join((Path(__file__).parents[3] / "docs" / "notifications.md").read_text().split())
    assert "A `token` that cannot be a token at all" in text and "is 422 naming `token`" in text
    assert "A `token` shaped like one that does not verify" in text
    assert "cut short, tampered with) is 400" not in text


def test_other_routes_answer_a_browser_with_the_problem():
    assert not any(r.link_page for r in ROUTES if r.name not in {
        "unsubscribe_page", "unsubscribe", "registration_cancel_page", "cancel_registration_by_link"})


class LinkServices:
    """Stand-ins for the services behind the link pages: the pages are in the language of the person or
    registration the link names (Dutch here), whatever the request asks."""
    page = {"html": '<html lang="nl">…</html>', "language": "nl"}

    def __init__(self):
        self.notifications, self.events, self.auth = self, self, self

    def unsubscribe_page(self, token):
        return dict(self.page)

    def unsubscribe(self, token):
        return {"association_id": "a1", "kind": "newsletter", "withdrawn": True, **self.page}

    def registration_of_cancel_token(self, token):
        return {"registration_id": "r1"}

    def act_as(self, caller):
        pass

    def registration_for_cancel_link(self, registration_id):
        return {"registration_id": registration_id}

    cancel_registration_by_link = registration_for_cancel_link

    def registration_cancel_page(self, token, registration):
        return dict(self.page)


@pytest.mark.parametrize("route, method, headers, data", [
    ("unsubscribe_page", "GET", {"Accept": "text/html"}, None),
    ("unsubscribe", "POST", {"Content-Type": "application/x-www-form-urlencoded"},
     "List-Unsubscribe=One-Click"),
    ("unsubscribe", "POST", {"Accept": "text/html"}, None),
    ("registration_cancel_page", "GET", {"Accept": "text/html"}, None),
    ("cancel_registration_by_link", "POST", {"Content-Type": "application/x-www-form-urlencoded"}, ""),
])
def test_a_link_page_says_the_language_of_whom_the_link_names(route, method, headers, data):
    routes = NotificationsRoutes if hasattr(NotificationsRoutes, route) else EventsRoutes
    request = Request(EnvironBuilder(method=method, path="/v1/x", query_string="token=t",
                                     headers={"Accept-Language": "de", **headers}, data=data).get_environ())
    request.query, request.nabo_request_id = {"token": "t"}, "r1"
    page = getattr(routes, route).__wrapped__(LinkServices(), request)
    assert page.mimetype == "text/html" and page.headers["Content-Language"] == "nl"
    assert "Accept-Language" not in page.vary  # the request's languages did not choose it


def test_the_json_answer_of_an_unsubscribe_holds_no_words_and_names_no_language():
    request = Request(EnvironBuilder(method="POST", path="/v1/unsubscribe", query_string="token=t",
                                     headers={"Accept": "application/json"}).get_environ())
    request.query = {"token": "t"}
    answer = NotificationsRoutes.unsubscribe.__wrapped__(LinkServices(), request)
    assert answer == {"association_id": "a1", "kind": "newsletter", "withdrawn": True}
