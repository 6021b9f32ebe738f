"""What the marshmallow API schemas enforce that apispec does not state by itself, stated in the OpenAPI
document: URLs as the service's URL validator takes them, maps keyed by language, time zones and
countries as shared enums, and the rules over a schema's fields that it declares as ``json_schema``
(JSON Schema keywords; contracts/api/common.py writes them as cases to match none of)."""
import re

from marshmallow import fields, validate

from contracts.api.common import COUNTRY_CODES, TIME_ZONES, KeysAmong


def _http_url_pattern(require_tld=True):
    """marshmallow's own URL pattern (absolute) as JSON Schema can say it: no inline flags, so both cases
    are spelled out, and the scheme is http or https."""
    source = validate.URL._regex(relative=False, absolute=True, require_tld=require_tld).pattern
    both_cases = {"A-Z": "A-Za-z", "a-z": "a-zA-Z", "A-F": "A-Fa-f", "a-f": "a-fA-F"}
    source = re.sub(r"A-Z|a-z|A-F|a-f", lambda match: both_cases[match.group()], source)
    source = source.replace(r"(?:[a-zA-Z0-9\.\-\+]*)://", "[Hh][Tt][Tt][Pp][Ss]?://")
    source = source.replace("localhost", "[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]")
    return source.replace(r"\Z", "$")


HTTP_URL = {require_tld: _http_url_pattern(require_tld) for require_tld in (True, False)}


def url_property(converter, field, ret, **kwargs):
    """apispec writes format "url", which no JSON Schema validator knows; the service takes http(s) URLs."""
    if isinstance(field, fields.Url):
        stated = ret.get("pattern")  # the field's own (metadata): both must hold
        ret["format"] = "uri"
        ret["pattern"] = HTTP_URL[field.require_tld]
        if stated:
            ret["allOf"] = [*ret.get("allOf", []), {"pattern": stated}]
    return {}


def null_alone(converter, field, ret, **kwargs):
    """apispec states a nullable nested schema as that schema or ``{"type": "object", "nullable": true}``,
    which any object matches; the service takes the schema or null."""
    for option in ret.get("anyOf", []):
        if option == {"type": "object", "nullable": True}:
            option["enum"] = [None]
    return {}


def keyed_by_choice(converter, field, ret, **kwargs):
    """A Dict whose keys are one of a few (languages): those keys as the object's properties."""
    if not isinstance(field, fields.Dict):
        return {}
    among = next((v for v in field.validators if isinstance(v, KeysAmong)), None)
    keys = field.key_field.validators if field.key_field is not None else []
    choices = next((v.choices for v in keys if isinstance(v, validate.OneOf)), None)
    if among is not None:
        choices = among.allowed
        ret["minProperties"] = max(ret.get("minProperties", 0), 1)
    if choices:
        value = converter.field2property(field.value_field) if field.value_field else {}
        ret["properties"] = {key: dict(value) for key in choices}
        ret["additionalProperties"] = False
    return {}


def schema_rules(doc, refs):
    """Adds each component's declared ``json_schema`` keywords; ``refs``: apispec's schema keys to names."""
    components = doc.get("components", {}).get("schemas", {})
    for key, name in refs.items():
        extra = getattr(key[0], "json_schema", None)
        if extra and name in components:
            components[name].update(extra)
    return shared_enums(doc)


def _member_name(value):
    """A name for an enum member that generated clients can use (x-enum-varnames): GMT+0, GMT-0 and GMT0
    must not all become GMT0."""
    return re.sub(r"[^A-Za-z0-9]+", "_", value.replace("+", "_PLUS_").replace("-", "_MINUS_")).strip("_")


SHARED_ENUMS = {
    "TimeZone": (TIME_ZONES, "An IANA time zone name (tz database), such as Europe/Copenhagen.",
                 "Europe/Copenhagen"),
    "CountryCode": (COUNTRY_CODES, "An ISO 3166-1 alpha-2 country code in capitals, such as DK.", "DK"),
}


def shared_enums(doc):
    """Time zones and countries as one component each, referred to wherever they are used, instead of an
    enum of hundreds of values in every field."""
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    by_values = {}
    for name, (values, description, example) in SHARED_ENUMS.items():
        components[name] = {"type": "string", "enum": list(values), "description": description,
                            "example": example, "x-enum-varnames": [_member_name(v) for v in values]}
        by_values[tuple(values)] = name

    def visit(node):
        if isinstance(node, dict):
            for key, value in node.items():
                name = by_values.get(tuple(value.get("enum") or ())) if isinstance(value, dict) else None
                if name and value is not components.get(name):
                    rest = {k: v for k, v in value.items() if k not in ("enum", "type")}
                    node[key] = {"allOf": [{"$ref": f"#/components/schemas/{name}"}], **rest}
                else:
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(doc.get("paths", {}))
    visit({k: v for k, v in components.items() if k not in SHARED_ENUMS})
    return doc


def register(plugin):
    plugin.converter.add_attribute_function(url_property)
    plugin.converter.add_attribute_function(keyed_by_choice)
    plugin.converter.add_attribute_function(null_alone)
