"""Output schemas dumped by a plan compiled from their fields.

marshmallow's ``Schema.dump`` walks every field through ``Field.serialize``
(accessor, default, ``_serialize``) on every object, a large share of the
work of a page of events. The schema stays the one
definition of a reply: ``compile_dumper`` reads its fields once and builds a
plan of (key, attribute, converter); the converters of the common field types
do what marshmallow's ``_serialize`` does, and any other field keeps its own
``_serialize``. A schema with dump hooks or dotted attributes is not compiled
and dumps through marshmallow. ``tests/unit/backbone/test_dumping.py`` shows the plan
and marshmallow give the same result for every output schema of the project.
"""
from functools import lru_cache, partial

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

_ABSENT = object()


def _item_or_attribute(obj, key):
    """marshmallow's ``utils.get_value`` for a plain key of an object with items: item first, then
    attribute."""
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


def _text(value):
    if value is None or type(value) is str:
        return value
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _converter(field):
    """A one-argument function equal to ``field._serialize(value, attr, obj)`` for the values a dump meets."""
    kind = type(field)
    if kind._serialize is fields.Field._serialize:  # Boolean, Raw: the value as it is
        return _identity
    if kind in (fields.String, fields.Email, fields.Url):
        return _text
    if kind is fields.Integer and not field.as_string:
        return _integer
    if kind in (fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime, fields.Date, fields.Time):
        formatter = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
        if formatter is not None:
            return lambda value: None if value is None else formatter(value)
    if kind is fields.List:
        inner = _converter(field.inner)
        return lambda value: None if value is None else [inner(each) for each in value]
    if kind is fields.Nested:
        nested = field.schema
        many = nested.many or field.many
        if not _compilable(nested):
            return lambda value: None if value is None else nested.dump(value, many=many)
        plan = compile_dumper(type(nested))
        if many:
            return lambda value: None if value is None else [plan(each) for each in value]
        return lambda value: None if value is None else plan(value)
    return _own(field)


def _identity(value):
    return value


def _integer(value):
    return value if value is None or type(value) is int else int(value)


def _own(field):
    serialize = field._serialize
    return lambda value: serialize(value, None, None)


def _compilable(schema):
    if schema.only is not None or schema.exclude or schema.many:
        return False
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return False
    if type(schema).get_attribute is not Schema.get_attribute:
        return False
    return all(
        "." not in (f.attribute or name) and f._CHECK_ATTRIBUTE for name, f in schema.dump_fields.items()
    )


def _plan(schema):
    steps = []
    for name, field in schema.dump_fields.items():
        key = field.data_key if field.data_key is not None else name
        convert = _converter(field)
        steps.append(
            (key, field.attribute or name, None if convert is _identity else convert, field.dump_default)
        )
    steps = tuple(steps)

    def dump_one(obj):
        # the accessor is chosen once per object, not once per field
        if type(obj) is dict:

            def value_of(key, get=obj.get):
                value = get(key, _ABSENT)
                return getattr(obj, key, missing) if value is _ABSENT else value
        elif hasattr(obj, "__getitem__"):
            value_of = partial(_item_or_attribute, obj)
        else:

            def value_of(key):
                return getattr(obj, key, missing)

        out = {}
        for key, attribute, convert, default in steps:
            value = value_of(attribute)
            if value is missing:
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = value if convert is None else convert(value)
        return out

    return dump_one


@lru_cache(maxsize=512)
def compile_dumper(schema_cls):
    """``obj -> dict`` for one object, equal to ``schema_cls().dump(obj)``."""
    schema = schema_cls()
    if not _compilable(schema):
        return schema.dump
    return _plan(schema)


def dump(schema_cls, obj, many=False):
    one = compile_dumper(schema_cls)
    if many:
        return None if obj is None else [one(each) for each in obj]
    return one(obj)
