"""Input loaded by a plan compiled from a schema's fields, for input that is valid.

marshmallow's ``Schema.load`` walks every field through an error store, a
closure and ``Field.deserialize`` on every call, which cost more than the
checks themselves on the hot paths (a registration's body, the event it
publishes and the event a consumer reads). ``load`` runs a plan read once from
the schema's fields instead: the same ``Field.deserialize`` for every field
(plain strings, lists of them and nested schemas checked directly, with the
field's own validators), the same defaults, the same refusal of unknown keys.
The plan answers only input it accepts; at the first doubt (a field's error, a
missing required field, an unknown key, a type it does not handle) the schema's
own ``load`` runs, so errors and every other outcome are marshmallow's. Schemas
with hooks, partial or many loading, or dotted attributes always load through
marshmallow. ``tests/unit/backbone/test_loading.py`` compares the two on every
schema of the project.
"""
from marshmallow import EXCLUDE, Schema, fields, missing

_PLAN = "_nabo_loading_plan"
# markers of an instance without a plan (not callable): loaded once (an instance made for one call never
# pays for compiling), or loaded by marshmallow alone
_LOADED_ONCE, _NOT_COMPILED = object(), object()


class _Doubt(Exception):
    """The plan cannot vouch for this input: marshmallow decides."""


def load(schema, data):
    """``schema.load(data)``, by the schema's compiled plan from its second load on."""
    plan = schema.__dict__.get(_PLAN)
    if plan is None:
        schema.__dict__[_PLAN] = _LOADED_ONCE
    elif plan is _LOADED_ONCE:
        plan = schema.__dict__[_PLAN] = compile_loader(schema) or _NOT_COMPILED
    if callable(plan):
        try:
            return plan(data)
        except Exception:  # noqa: BLE001 - any doubt, marshmallow's own answer (or its own exception)
            pass
    return schema.load(data)


def _compilable(schema, as_nested=False):
    return (
        isinstance(schema, Schema)
        and not any(schema._hooks.values())
        and not schema.partial
        and (as_nested or not schema.many)
        and all("." not in (field.attribute or name) for name, field in schema.load_fields.items())
    )


def compile_loader(schema, as_nested=False):
    """A function of the input equal to ``schema.load`` for input the schema accepts, raising for any
    other; None for a schema loaded only by marshmallow. ``as_nested``: the plan of one item, whether the
    schema loads many or one (a ``Nested`` field's schema)."""
    if not _compilable(schema, as_nested):
        return None
    steps = []
    for name, field in schema.load_fields.items():
        key = field.data_key if field.data_key is not None else name
        steps.append((key, field.attribute or name, _missing_value(field, key), _converter(field, key)))
    steps = tuple(steps)
    known = frozenset(step[0] for step in steps)
    check_unknown = schema.unknown != EXCLUDE

    def plan(data):
        if type(data) is not dict or (check_unknown and not known.issuperset(data)):
            raise _Doubt
        result = {}
        for key, target, absent, convert in steps:
            raw = data.get(key, missing)
            if raw is missing:
                value = absent(data)
                if value is not missing:
                    result[target] = value
            else:
                result[target] = convert(raw, data)
        return result

    return plan


def _plain(field):
    """The field deserializes as its class's base does: no hooks of its own to honour."""
    return not field.pre_load and not field.post_load


def _missing_value(field, key):
    """What a field left out of the input loads as: its default, or missing (no key in the result)."""
    kind = type(field)
    if (kind.deserialize is not fields.Field.deserialize
            or kind._validate_missing is not fields.Field._validate_missing):
        return lambda data: field.deserialize(missing, key, data)
    if field.required:
        def required(data):
            raise _Doubt
        return required
    default = field.load_default
    if callable(default):
        return lambda data: default()
    return lambda data: default


def _converter(field, key):
    """A function of (raw value, input) equal to ``field.deserialize(raw, key, input)`` for a value it
    accepts."""
    deserialize = field.deserialize

    def generic(raw, data):
        return deserialize(raw, key, data)

    if not _plain(field):
        return generic
    kind = type(field)
    if kind is fields.String:
        return _text(field, generic)
    if kind is fields.List and type(field.inner) is fields.String and _plain(field.inner):
        return _text_list(field, generic)
    if kind is fields.Nested and field.unknown is None:
        return _nested(field, generic)
    return generic


def _validated(validators):
    def check(value):
        for validator in validators:
            if validator(value) is False:
                raise _Doubt
        return value

    return check


def _text(field, generic):
    check = _validated(tuple(field.validators))
    allow_none = field.allow_none

    def text(raw, data):
        if type(raw) is str:
            return check(raw)
        if raw is None and allow_none:
            return None
        return generic(raw, data)

    return text


def _text_list(field, generic):
    check_each = _validated(tuple(field.inner.validators))
    check = _validated(tuple(field.validators))
    allow_none, inner_allows_none = field.allow_none, field.inner.allow_none

    def text_list(raw, data):
        if type(raw) is list:
            for each in raw:
                if type(each) is str:
                    check_each(each)
                elif each is not None or not inner_allows_none:
                    raise _Doubt
            return check(list(raw))
        if raw is None and allow_none:
            return None
        return generic(raw, data)

    return text_list


def _nested(field, generic):
    schema = field.schema
    inner = compile_loader(schema, as_nested=True)
    if inner is None:
        return generic
    check = _validated(tuple(field.validators))
    allow_none = field.allow_none
    many = field.many or schema.many

    def nested(raw, data):
        if raw is None:
            if allow_none:
                return None
            raise _Doubt
        if many:
            if type(raw) is not list:
                raise _Doubt
            return check([inner(each) for each in raw])
        return check(inner(raw))

    return nested
