"""The compiled dump plans give what marshmallow's own dump gives, for every
schema of the project, whatever values and gaps the objects have."""
import datetime as dt
import importlib
import inspect
import json
import pkgutil
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump

import contracts.api
from nabo_common.api import dumping
from nabo_common.api.validation import dump
from nabo_common.messaging import envelopes

pytestmark = pytest.mark.unit

MOMENT = dt.datetime(2026, 3, 29, 1, 30, 15, 250, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def project_schemas():
    found = {}
    for module_info in pkgutil.iter_modules(contracts.api.__path__):
        module = importlib.import_module(f"contracts.api.{module_info.name}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                found[f"{module_info.name}.{name}"] = value
    return found


def event_contract_schemas():
    """The data schemas of every event type: envelopes and webhook bodies are dumped with them."""
    import contracts.events  # noqa: F401  (registers every event type)

    return {f"event:{name}": etype.schema for name, etype in envelopes.REGISTRY.items()}


SCHEMAS = {**project_schemas(), **event_contract_schemas()}


def sample(field, variant, depth=0):
    """A value for ``field``; variants 0-2 pick plain, unusual but valid, and None."""
    if variant == 2 and depth > 0:
        return None
    if isinstance(field, fields.Nested):
        nested = field.schema
        make = (lambda: build(type(nested), variant % 2, depth + 1)) if depth < 3 else (lambda: {})
        return [make(), make()] if (nested.many or field.many) else make()
    if isinstance(field, fields.List):
        return [sample(field.inner, variant, depth + 1) for _ in range(2)]
    if isinstance(field, fields.Dict):
        values = field.value_field
        return {"k": sample(values, variant, depth + 1) if values else "v", "n": 2 if values is None else
                sample(values, 0, depth + 1)}
    if isinstance(field, fields.Boolean):
        return (True, 0)[variant % 2]
    if isinstance(field, fields.Integer):
        return (7, True)[variant % 2]
    if isinstance(field, fields.Float):
        return (1.5, 2)[variant % 2]
    if isinstance(field, (fields.DateTime,)):
        return (MOMENT, MOMENT.replace(tzinfo=None))[variant % 2]
    if isinstance(field, fields.Date):
        return (MOMENT.date(), dt.date(2000, 1, 1))[variant % 2]
    if isinstance(field, fields.String):
        return ("Grøn omstilling", 42)[variant % 2]
    return "raw"


def build(schema_cls, variant, depth=0):
    schema = schema_cls()
    data = {}
    for index, (name, field) in enumerate(schema.dump_fields.items()):
        if variant == 1 and index % 3 == 2:
            continue  # attributes an object simply lacks
        data[field.attribute or name] = None if variant == 2 and index % 2 else sample(field, variant, depth)
    return data


def same(dumped, expected):
    """Equal as JSON, key order included (True and 1 are equal in Python, not in JSON)."""
    return json.dumps(dumped) == json.dumps(expected)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_compiled_dump_equals_marshmallow_for_every_project_schema(name, variant):
    schema_cls = SCHEMAS[name]
    data = build(schema_cls, variant)
    expected = schema_cls().dump(data)
    assert same(dump(schema_cls, data), expected)
    # the same values as attributes of an object (ORM rows, SimpleNamespace records)
    assert same(dump(schema_cls, SimpleNamespace(**data)), schema_cls().dump(SimpleNamespace(**data)))
    assert same(dump(schema_cls, [data, data], many=True), [expected, expected])


def test_the_project_has_schemas_to_compare():
    assert len(SCHEMAS) > 50 and "events.Event" in SCHEMAS and "event:registration.confirmed" in SCHEMAS


def test_data_keys_defaults_and_key_order_follow_the_schema():
    class Out(Schema):
        b = fields.String(data_key="bee")
        a = fields.Integer(dump_default=5)
        c = fields.List(fields.Nested(lambda: Inner()))

    class Inner(Schema):
        when = fields.Date()

    out = dump(Out, {"b": "x", "c": [{"when": dt.date(2026, 1, 2)}]})
    assert out == {"bee": "x", "a": 5, "c": [{"when": "2026-01-02"}]}
    assert list(out) == ["bee", "a", "c"]


def test_schemas_with_dump_hooks_keep_dumping_through_marshmallow():
    class Hooked(Schema):
        a = fields.String()

        @post_dump
        def shout(self, data, **kwargs):
            return {key: value.upper() for key, value in data.items()}

    assert dump(Hooked, {"a": "quiet"}) == {"a": "QUIET"}
    assert dumping.compile_dumper(Hooked).__self__.__class__ is Hooked  # the schema's own dump
