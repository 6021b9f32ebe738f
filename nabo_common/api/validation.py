"""Turning marshmallow errors into the domain's ValidationFailed."""
from functools import lru_cache

from marshmallow import ValidationError

from nabo_common.api import dumping, loading
from nabo_common.api.errors import ValidationFailed


def load(schema_cls, payload, partial=False, **kwargs):
    """Validate ``payload`` with ``schema_cls`` (by its compiled plan, ``nabo_common.api.loading``); raise
    ValidationFailed with per-field messages."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "The request body must be a JSON object.", {"_schema": ["Expected a JSON object."]}
        )
    try:
        return loading.load(schema(schema_cls, partial=partial, **kwargs), payload)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("The request has invalid fields.", messages) from None


def dump(schema_cls, obj, many=False):
    """``schema_cls().dump(obj)``, by the plan compiled from the schema's fields
    (``nabo_common.api.dumping``)."""
    return dumping.dump(schema_cls, obj, many=many)


def schema(schema_cls, **options):
    """A schema instance reused across calls: building one deep-copies every declared field, which cost
    more than the dump itself (half the time of listing 50 events). Instances keep no per-call state."""
    try:
        return _cached_schema(schema_cls, tuple(sorted(options.items())))
    except TypeError:  # an unhashable option (a list for only=...): build one for this call
        return schema_cls(**options)


@lru_cache(maxsize=1024)
def _cached_schema(schema_cls, options):
    return schema_cls(**dict(options))
