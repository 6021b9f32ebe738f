"""Field types and validators used across services' schemas."""
import unicodedata
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from contracts.taxonomy import EXAMPLE_THEME_ID, EXAMPLE_THEME_IDS
from nabo_common.api.moments import utc_text
from nabo_common.i18n.catalogues import N_

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


class _OneOfNamed(validate.OneOf):
    """One of many values (stated as the document's enum), refused with a short message instead of the
    list of every choice."""

    def __init__(self, choices, error):
        super().__init__(choices, error=error)

    def _format_error(self, value):
        return self.error


# ISO 3166-1 alpha-2 codes, and the IANA time zones this Python knows (tzdata)
COUNTRY_CODES = tuple(sorted(country.alpha_2 for country in pycountry.countries))
TIME_ZONES = tuple(sorted(available_timezones()))
_country = _OneOfNamed(
    COUNTRY_CODES, "Use an ISO 3166-1 alpha-2 country code in capitals, such as DK, NL, DE or SE."
)
_time_zone = _OneOfNamed(TIME_ZONES, "Unknown IANA time zone; use a name such as Europe/Copenhagen.")


def zone(name):
    return ZoneInfo(name)


class Instant(fields.DateTime):
    """A moment without a zone of its own (created_at, sent_at ...): RFC 3339 in UTC, written with Z."""

    def __init__(self, **kwargs):
        metadata = {"description": "RFC 3339 in UTC (Z).", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return utc_text(value)


EVENT_TIME = "RFC 3339 with the offset of the event's time zone (time_zone) at that moment."


class EventTime(fields.DateTime):
    """A moment of an event (its start, end, registration window): written in the event's own time zone,
    which the event's view applies (services/events/domain/views.py)."""

    def __init__(self, **kwargs):
        description = kwargs.pop("metadata", {}).get("description")
        text = f"{description} {EVENT_TIME}" if description else EVENT_TIME
        super().__init__(metadata={"description": text}, **kwargs)


Country = _country
TimeZone = _time_zone
# --- rules over several fields, for the OpenAPI document -------------------------------------------------
# A schema states the rules its validators apply across fields as ``json_schema`` (gateway/schema_rules.py
# adds it to the schema's component). They are written as cases the body must match none of: ``not`` leaves
# the fields as they are for generated clients, while validators and test generators apply it.


def violations(*cases):
    return {"not": {"anyOf": list(cases)}}


def none_of(*names):
    """None of ``names`` is given."""
    return {"not": {"anyOf": [{"required": [name]} for name in names]}}


def together(*names):
    """All of ``names`` are given."""
    return {"required": list(names)}


def without(name, companion):
    """``name`` is given without ``companion``."""
    return {"required": [name], "not": {"required": [companion]}}


def where(name, values, **rest):
    """``name`` is one of ``values``, and the rest of the case (JSON Schema keywords) holds."""
    case = {"required": [name], "properties": {name: {"enum": list(values)}}}
    for key, value in rest.items():
        if key == "properties":
            case["properties"].update(value)
        elif key == "required":
            case["required"] += value
        else:
            case[key] = value
    return case


class KeysAmong:
    """A map's keys are among ``allowed`` and at least one is given; the document names them as the map's
    properties (gateway/schema_rules.py)."""

    def __init__(self, allowed, error_unknown, error_empty):
        self.allowed, self.error_unknown, self.error_empty = tuple(allowed), error_unknown, error_empty

    def __call__(self, value):
        unknown = set(value) - set(self.allowed)
        if unknown:
            raise ValidationError(self.error_unknown.format(unknown=", ".join(sorted(unknown))))
        if not value:
            raise ValidationError(self.error_empty)
        return value


# the characters that turn the direction of the text around it (U+202A-U+202E embeddings and overrides,
# U+2066-U+2069 isolates): in a title or an address they make what is read differ from what is written
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\t\n\r")


class OneLine(validate.Validator):
    """A line of text, such as a title, which mails put in their subject: no control character (CR and LF
    included) and no character that turns the text's direction around."""

    error = N_("Write it on one line, without control characters or text-direction marks.")

    def __call__(self, value):
        if any(unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS for c in value):
            raise ValidationError(self.error)
        return value


class Paragraphs(validate.Validator):
    """Text of several lines, such as a post: no control character other than tab and line breaks."""

    error = N_("Remove the control characters; only tabs and line breaks may stand between the words.")

    def __call__(self, value):
        if any(unicodedata.category(c) == "Cc" and c not in LINE_BREAKS for c in value):
            raise ValidationError(self.error)
        return value


class Visible(validate.Validator):
    """Text that shows something: not only spaces and invisible characters (zero-width spaces, joiners
    and other format characters, Unicode category Cf)."""

    error = N_("Write something: spaces and invisible characters alone are empty.")

    def __call__(self, value):
        if all(c.isspace() or unicodedata.category(c) in ("Cf", "Cc") for c in value):
            raise ValidationError(self.error)
        return value


class NoFormatCharacters(validate.Validator):
    """An address without invisible format characters (Unicode category Cf: text-direction controls,
    zero-width spaces), which make the address read as something it is not."""

    error = N_("Remove the invisible characters (text-direction marks, zero-width spaces) from the address.")

    def __call__(self, value):
        if any(unicodedata.category(c) == "Cf" for c in value):
            raise ValidationError(self.error)
        return value


Id = lambda **kw: fields.String(validate=validate.Length(equal=36), **kw)  # noqa: E731


def theme_id_example(metadata=None, many=False):
    """``metadata`` with a real seeded theme's id (or ids) as the example: one a client may send as shown."""
    return {"example": list(EXAMPLE_THEME_IDS) if many else EXAMPLE_THEME_ID, **(metadata or {})}


# the id of a theme of the taxonomy (GET /v1/themes)
ThemeId = lambda metadata=None, **kw: Id(metadata=theme_id_example(metadata), **kw)  # noqa: E731
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


class WebAddress(fields.Url):
    """A URL as marshmallow's validator takes it whose host and port also parse: its pattern lets a
    bracketed host through that is no IPv6 address ("https://[d:2]/"), and any port number."""

    def _deserialize(self, value, attr, data, **kwargs):
        url = super()._deserialize(value, attr, data, **kwargs)
        try:
            parts = urlsplit(url)
            parts.hostname, parts.port  # noqa: B018 - each raises ValueError on what no client can reach
        except ValueError:
            raise self.make_error("invalid") from None
        return url
