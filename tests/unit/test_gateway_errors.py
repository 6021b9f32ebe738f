"""The gateway's mapping of failures to problem responses."""
import json

from nameko.exceptions import RemoteError

from gateway.http import ApiRoute
from nabo_common.errors import NotFound


def _route():
    return ApiRoute("GET", "/v1/things/<id>")


def test_database_outage_in_a_service_is_503_not_500():
    response = _route().response_from_exception(RemoteError("OperationalError", "server closed the connection"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert json.loads(response.get_data())["title"] == "Service unavailable"


def test_a_bug_in_a_service_is_500_without_internals():
    response = _route().response_from_exception(RemoteError("KeyError", "'secret_column'"))
    assert response.status_code == 500
    assert "secret_column" not in response.get_data(as_text=True)


def test_domain_errors_keep_their_status():
    response = _route().response_from_exception(NotFound("Event x not found."))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
