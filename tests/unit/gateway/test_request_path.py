"""What every gateway request passes through, found once where it does not change from request to request:
the answers stay what they were."""
import copy
from types import SimpleNamespace

import pytest
from nameko.exceptions import IncorrectSignature

import gateway.service  # noqa: F401  (declares every route)
from gateway.http import ApiRoute
from gateway.service import Gateway


def bound_route(name):
    (entrypoint,) = getattr(Gateway, name).nameko_entrypoints
    route = copy.copy(entrypoint)  # as the container binds it, without a server to register with
    route.container, route.method_name = SimpleNamespace(service_cls=Gateway), name
    return route


def test_a_route_takes_its_request_and_path_values_unchecked_and_refuses_one_named_as_its_own_parameters():
    route = bound_route("get_event")
    assert isinstance(route, ApiRoute)
    assert route.check_signature((object(),), {"id": "x"}) is None
    with pytest.raises(IncorrectSignature):  # nameko's own check, as before
        route.check_signature((object(),), {"request": "x"})
    with pytest.raises(IncorrectSignature):
        route.check_signature((), {"id": "x"})
