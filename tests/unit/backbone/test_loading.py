"""The compiled load plans give what marshmallow's own load gives, for every
schema of the project: the same result, or the same errors, for valid input,
input with gaps, wrong types, unknown keys and values its validators refuse."""
import copy
import uuid
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, post_load, validate

from contracts.api.events import RegistrationCreate, RegistrationLink
from gateway import openapi
from nabo_common.api import loading, validation
from nabo_common.messaging import envelopes
from tests.unit.backbone.test_dumping import SCHEMAS

pytestmark = pytest.mark.unit

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**6), st.floats(allow_nan=False, width=32),
    st.text(max_size=5), st.sampled_from(["", " ", "2026-03-29", "2026-03-29T10:00:00+02:00", "a@b.dk"]),
)
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)


def _text_for(field):
    """Strings the field's validators are likely to accept, and some they refuse."""
    options = [st.text(max_size=8), st.just("Grøn omstilling")]
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            options.append(st.sampled_from(list(validator.choices)))
        elif isinstance(validator, validate.Length):
            low = validator.equal if validator.equal is not None else (validator.min or 0)
            high = (validator.equal if validator.equal is not None
                    else min(validator.max or low + 12, low + 12))
            options.append(st.text(alphabet="abcdef0123456789-", min_size=low, max_size=high))
            if validator.equal == 36:
                options.append(st.builds(lambda: str(uuid.uuid4())))
    if isinstance(field, fields.Email):
        options.append(st.sampled_from(["anna@example.org", "x@y.dk", "not-an-address"]))
    if isinstance(field, fields.Url):
        options.append(st.sampled_from(["https://example.org/a", "ftp://x", "example"]))
    return st.one_of(options)


def value_for(field, depth=0):
    if isinstance(field, fields.Nested):
        one = object_for(field.schema, depth + 1) if depth < 3 else st.just({})
        many = field.many or field.schema.many
        return st.one_of(st.lists(one, max_size=3) if many else one, ANY_JSON)
    if isinstance(field, fields.List):
        return st.one_of(st.lists(value_for(field.inner, depth + 1), max_size=4), ANY_JSON)
    if isinstance(field, fields.Dict):
        return st.one_of(st.dictionaries(st.text(max_size=4), JSON_SCALARS, max_size=3), ANY_JSON)
    if isinstance(field, fields.Boolean):
        return st.one_of(st.booleans(), JSON_SCALARS)
    if isinstance(field, (fields.Integer, fields.Float)):
        ranges = [v for v in field.validators if isinstance(v, validate.Range)]
        low = ranges[0].min if ranges and ranges[0].min is not None else -5
        high = ranges[0].max if ranges and ranges[0].max is not None else 10**6
        return st.one_of(st.integers(int(low), int(min(high, low + 10**6))), JSON_SCALARS)
    if isinstance(field, fields.DateTime):
        return st.one_of(st.sampled_from(["2026-03-29T10:00:00+02:00", "2026-03-29T08:00:00Z",
                                          "2026-03-29T10:00:00", "yesterday"]), JSON_SCALARS)
    if isinstance(field, fields.Date):
        return st.one_of(st.sampled_from(["2026-03-29", "2026-02-30", "29/03/2026"]), JSON_SCALARS)
    if isinstance(field, fields.String):
        return st.one_of(_text_for(field), _text_for(field), JSON_SCALARS)
    return ANY_JSON


def object_for(schema, depth=0):
    """Dicts of some of the schema's keys, now and then an unknown one."""
    keyed = {
        (field.data_key if field.data_key is not None else name): value_for(field, depth)
        for name, field in schema.load_fields.items()
    }
    return st.fixed_dictionaries({}, optional={**keyed, "not_a_field": JSON_SCALARS})


def typed(value):
    """The value with its types spelled out: 1, 1.0 and True are equal to Python, not to a reply."""
    if isinstance(value, dict):
        return {"dict": sorted((key, typed(each)) for key, each in value.items())}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [typed(each) for each in value]}
    return (type(value).__name__, repr(value))


def outcome(load, data):
    try:
        return "loaded", typed(load(copy.deepcopy(data)))
    except ValidationError as error:
        return "refused", error.messages


def warmed(schema):
    """The instance past its first load, from which ``loading.load`` uses its plan."""
    for _ in range(2):
        try:
            loading.load(schema, {})
        except ValidationError:
            pass
    return schema


def assert_same(schema, data):
    warmed(schema)
    assert outcome(lambda each: loading.load(schema, each), data) == outcome(schema.load, data)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@pytest.mark.parametrize("unknown", ["as declared", EXCLUDE])
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_compiled_load_equals_marshmallow_for_every_project_schema(name, unknown, data):
    options = {} if unknown == "as declared" else {"unknown": unknown}
    schema = validation.schema(SCHEMAS[name], **options)
    assert_same(schema, data.draw(object_for(schema)))


def request_examples():
    """Every route's body schema with the example the API document shows for it."""
    import gateway.service  # noqa: F401  (declares every route)
    from gateway.http import ROUTES

    examples = {
        operation["operationId"]: operation["requestBody"]["content"]["application/json"]["example"]
        for operations in openapi.build()["paths"].values()
        for operation in operations.values()
        if "requestBody" in operation
    }
    return [(route.body, examples[route.name]) for route in ROUTES
            if route.body is not None and route.name in examples]


def test_documented_examples_load_alike_and_by_the_plan_where_compiled():
    checked = planned = 0
    for schema_cls, example in request_examples():
        if not isinstance(example, dict):
            continue
        schema = validation.schema(schema_cls)
        assert_same(schema, example)
        checked += 1
        plan = loading.compile_loader(schema)
        if plan is not None:
            expected = schema.load(copy.deepcopy(example))  # the documented examples are valid
            assert typed(plan(copy.deepcopy(example))) == typed(expected)
            planned += 1
    assert checked > 50 and planned > 20, (checked, planned)


def test_event_examples_load_alike_and_by_the_plan():
    import contracts.events  # noqa: F401  (registers every event type)

    compiled = 0
    for etype in envelopes.REGISTRY.values():
        if etype.example is None:
            continue
        schema = validation.schema(etype.schema)
        assert_same(schema, etype.example)
        plan = loading.compile_loader(schema)
        if plan is not None:
            expected = schema.load(copy.deepcopy(etype.example))
            assert typed(plan(copy.deepcopy(etype.example))) == typed(expected)
            compiled += 1
    assert compiled > 10


def test_a_registration_body_and_its_link_are_loaded_by_their_plans():
    body = {"name": "Anna Berg", "email": "anna@example.org", "language": "da", "answers": {"diet": "vegan"}}
    link = {"source_channel": "newsletter"}
    for schema_cls, data in ((RegistrationCreate, body), (RegistrationLink, link)):
        schema = validation.schema(schema_cls)
        plan = loading.compile_loader(schema)
        assert plan is not None
        assert plan(dict(data)) == schema.load(dict(data))


def test_doubtful_input_gets_marshmallows_errors():
    schema = validation.schema(RegistrationCreate)
    for data in ({"name": ""}, {"name": 5}, {"email": "nope"}, {"language": "xx"}, {"unexpected": 1}, [],
                 {"name": None}, {"answers": "text"}):
        with pytest.raises(ValidationError) as from_plan:
            loading.load(schema, data)
        with pytest.raises(ValidationError) as from_marshmallow:
            schema.load(data)
        assert from_plan.value.messages == from_marshmallow.value.messages


class Address(Schema):
    street = fields.String(required=True, validate=validate.Length(min=1))
    codes = fields.List(fields.String(validate=validate.Length(equal=4)), load_default=list)


class Person(Schema):
    name = fields.String(required=True, data_key="fullName", attribute="full_name")
    address = fields.Nested(Address, allow_none=True)
    homes = fields.Nested(Address, many=True)
    tags = fields.List(fields.String(allow_none=True))
    age = fields.Integer(load_default=None, allow_none=True)
    since = fields.Date()


@pytest.mark.parametrize("data", [
    {"fullName": "Anna", "address": {"street": "Bredgade 1"}, "homes": [{"street": "A", "codes": ["1234"]}],
     "tags": ["a", None], "age": 40, "since": "2020-01-02"},
    {"fullName": "Anna", "address": None, "homes": []},
    {"fullName": "Anna", "homes": [{"street": ""}]},
    {"fullName": "Anna", "homes": {"street": "A"}},
    {"fullName": "Anna", "address": {"street": "A", "codes": ["12345"]}},
    {"name": "Anna"},
    {"fullName": "Anna", "tags": "a"},
    {"fullName": b"Anna"},
])
def test_keys_attributes_nesting_and_defaults_follow_the_schema(data):
    for schema in (Person(), Person(unknown=EXCLUDE), Person(unknown=INCLUDE)):
        assert_same(schema, data)


def test_schemas_with_load_hooks_keep_loading_through_marshmallow():
    class Shouting(Schema):
        word = fields.String()

        @post_load
        def shout(self, data, **kwargs):
            return {"word": data["word"].upper()}

    assert loading.compile_loader(Shouting()) is None
    assert loading.load(Shouting(), {"word": "hej"}) == {"word": "HEJ"}
    assert loading.compile_loader(Person(partial=True)) is None
    assert loading.compile_loader(Person(many=True)) is None


def test_an_instance_compiles_at_its_second_load_and_uses_its_plan_from_then_on():
    schema = Person()
    data = {"fullName": "Anna", "homes": []}
    with mock.patch.object(loading, "compile_loader", wraps=loading.compile_loader) as compiling:
        loading.load(schema, data)
        assert not compiling.called  # an instance made for one call never pays for a plan
        loading.load(schema, data)
        loading.load(schema, data)
        assert [call.args[0] for call in compiling.call_args_list].count(schema) == 1  # nested ones besides
    with mock.patch.object(Person, "load", side_effect=AssertionError("marshmallow's load ran")):
        assert loading.load(schema, data) == {"full_name": "Anna", "homes": [], "age": None}


def test_a_plan_returns_new_containers_not_the_inputs():
    data = {"fullName": "Anna", "tags": ["a"], "homes": [{"street": "A"}]}
    result = loading.compile_loader(Person())(data)
    assert result["tags"] == ["a"] and result["tags"] is not data["tags"]
    assert result["homes"] is not data["homes"] and result["homes"][0] is not data["homes"][0]
