"""Every web address a request may carry is one a client can reach: marshmallow's URL pattern lets
through a bracketed host that is no IPv6 address and any port number."""
import importlib
import inspect
import pkgutil

import pytest
from marshmallow import Schema, ValidationError, fields

import contracts.api
from contracts.api.common import WebAddress


def _url_fields():
    for module_info in pkgutil.iter_modules(contracts.api.__path__):
        module = importlib.import_module(f"contracts.api.{module_info.name}")
        for _, schema in inspect.getmembers(module, inspect.isclass):
            if not issubclass(schema, Schema) or schema.__module__ != module.__name__:
                continue
            for name, field in schema._declared_fields.items():
                inner = field.inner if isinstance(field, fields.List) else field
                if isinstance(inner, fields.Url):
                    yield f"{schema.__name__}.{name}", inner


URL_FIELDS = dict(_url_fields())


def test_the_api_has_web_addresses_to_check():
    assert {"OrganisationCreate.website", "ThreadCreate.links"} <= set(URL_FIELDS)


@pytest.mark.parametrize("where", sorted(URL_FIELDS))
def test_every_url_field_checks_its_host_and_port(where):
    assert isinstance(URL_FIELDS[where], WebAddress)


@pytest.mark.parametrize("address", ["https://[d:2]/", "https://[::g]/x", "https://example.org:99999/"])
def test_an_address_no_client_can_reach_is_invalid(address):
    with pytest.raises(ValidationError):
        WebAddress(schemes={"http", "https"}).deserialize(address)


@pytest.mark.parametrize("address", ["https://[2001:db8::1]/", "https://example.org:8443/a?b=c", "http://x.example"])
def test_reachable_addresses_pass(address):
    assert WebAddress(schemes={"http", "https"}).deserialize(address) == address
