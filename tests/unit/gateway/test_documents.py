"""Choosing a representation: ?format wins, then the Accept header, JSON by default; an Accept header
that takes none of the formats offered is refused."""
import pytest
from werkzeug.test import EnvironBuilder

from gateway.documents import NotAcceptable, chosen_format, document_response
from gateway.routes.events import REPORT_MEDIA


def request(query=None, accept=None):
    built = EnvironBuilder(headers={"Accept": accept} if accept else {}).get_request()
    built.query = query or {}
    return built


def test_the_format_parameter_wins_over_accept():
    assert chosen_format(request({"format": "csv"}, "text/html"), REPORT_MEDIA) == "csv"


def test_a_browser_gets_the_page_and_any_other_client_json():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert chosen_format(request(accept=browser), REPORT_MEDIA) == "html"
    assert chosen_format(request(accept="text/csv"), REPORT_MEDIA) == "csv"
    assert chosen_format(request(accept="*/*"), REPORT_MEDIA) == "json"
    assert chosen_format(request(), REPORT_MEDIA) == "json"


def test_an_accept_header_that_takes_none_of_the_formats_is_refused_naming_them():
    with pytest.raises(NotAcceptable) as refused:
        chosen_format(request(accept="application/pdf"), REPORT_MEDIA)
    assert refused.value.status == 406
    offered = "application/json, text/csv, text/html"
    assert refused.value.detail == f"Ask for one of the formats offered: {offered}."


def test_pages_open_in_the_browser_and_files_are_saved():
    page = document_response({"content_type": "text/html; charset=utf-8", "filename": "r.html", "body": "x"},
                             "en")
    assert page.headers["Content-Disposition"] == 'inline; filename="r.html"'
    assert page.headers["Vary"] == "Accept, Accept-Language"
    table = document_response({"content_type": "text/csv; charset=utf-8", "filename": "r.csv", "body": "a"},
                              "en")
    assert table.headers["Content-Disposition"].startswith("attachment")


def test_the_api_document_names_the_printable_pages():
    import gateway.service  # noqa: F401 (declares every route)
    from gateway import openapi

    paths = openapi.build()["paths"]
    for path in ("/v1/programmes/{id}/report", "/v1/events/{id}/attendance", "/v1/panels/{id}/catalogue"):
        operation = paths[path]["get"]
        assert "text/html" in operation["responses"]["200"]["content"], path
        assert "html" in operation["description"], path
        assert "406" in operation["responses"], path
