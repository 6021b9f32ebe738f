"""Turning marshmallow errors into the domain's ValidationFailed."""
from marshmallow import ValidationError

from nabo_common.errors import ValidationFailed


def load(schema_cls, payload, partial=False, **kwargs):
    """Validate ``payload`` with ``schema_cls``; raise ValidationFailed with per-field messages."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ValidationFailed("The request body must be a JSON object.", {"_schema": ["Expected a JSON object."]})
    try:
        return schema_cls(partial=partial, **kwargs).load(payload)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("The request has invalid fields.", messages) from None


def dump(schema_cls, obj, many=False):
    return schema_cls(many=many).dump(obj)
