"""Field types and validators used across services' schemas."""
import re
from zoneinfo import ZoneInfo, available_timezones

from marshmallow import RAISE, Schema, ValidationError, fields, validate

LANGUAGES = ("da", "nl", "de", "sv", "en")
COUNTRIES = ("DK", "NL", "DE", "SE", "NO", "FI", "BE", "PL", "AT", "FR", "GB", "EE", "LV", "LT", "IS")
Language = validate.OneOf(LANGUAGES)


class Pattern(validate.Regexp):
    """A pattern the whole value must match, as the documented JSON Schema ``pattern`` means it: Python's
    ``$`` also matches before a final line break, so ``^[A-Z]{3}$`` alone would take "DKK\\n"."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class Input(Schema):
    """Request bodies: unknown (and server-owned) fields are rejected."""

    class Meta:
        unknown = RAISE
        ordered = True


class Output(Schema):
    class Meta:
        ordered = True


def _country(value):
    if not re.fullmatch(r"[A-Z]{2}", value or ""):
        raise ValidationError("Use an ISO 3166-1 alpha-2 country code in capitals, such as DK, NL, DE or SE.")


def _time_zone(value):
    if value not in _zones():
        raise ValidationError("Unknown IANA time zone; use a name such as Europe/Copenhagen.")


_ZONES = None


def _zones():
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


def zone(name):
    return ZoneInfo(name)


Country = _country
TimeZone = _time_zone
Id = lambda **kw: fields.String(validate=validate.Length(equal=36), **kw)  # noqa: E731
Text = lambda max_len, **kw: fields.String(validate=validate.Length(min=1, max=max_len), **kw)  # noqa: E731


class Money(Input):
    amount_minor = fields.Integer(required=True, validate=validate.Range(min=0, max=10**13),
                                  metadata={"description": "Integer minor units (øre, cent)."})
    currency = fields.String(required=True, validate=Pattern(r"^[A-Z]{3}$", error="Use an ISO 4217 code."))


class I18nText(Input):
    """A text in one or more of the five languages."""
    da = fields.String(validate=validate.Length(max=5000))
    nl = fields.String(validate=validate.Length(max=5000))
    de = fields.String(validate=validate.Length(max=5000))
    sv = fields.String(validate=validate.Length(max=5000))
    en = fields.String(validate=validate.Length(max=5000))
