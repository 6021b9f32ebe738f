"""The OpenAPI 3 document, generated from the route declarations and their
marshmallow schemas (apispec), and a human-readable API page."""
import html
import json
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields as ma_fields

from contracts.api.events import CalendarFeedQuery
from gateway import schema_rules
from gateway.http import ROUTES

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "Per-field messages: field name to a list of messages (nested for nested fields).",
        },
    },
}
PATH_ID = "An id; a value that is not a UUID names no resource (404)."
ERROR_TEXT = {
    400: "Malformed request",
    401: "Not signed in or token invalid",
    403: "Not allowed",
    404: "Not found (or not visible to you)",
    409: "Conflicts with the current state",
    411: "Body sent without Content-Length",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid fields",
    429: "Rate limit reached",
    503: "A service is unavailable",
    504: "A service did not answer in time",
}


def _schema_name(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


def _object_size(converter, field, ret, **kwargs):
    """apispec states a Dict's Length as minLength/maxLength, which JSON Schema ignores for objects."""
    if isinstance(field, ma_fields.Dict):
        for length, properties in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
            if length in ret:
                ret[properties] = ret.pop(length)
    return {}


def build(version="1.0.0"):
    marshmallow_plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="nabo API",
        version=version,
        openapi_version="3.0.3",
        plugins=[marshmallow_plugin],
        info={
            "description": "Business networks across borders: members, networks, events, notifications and "
            "idea panels. Errors are application/problem+json (RFC 9457). Lists are paginated "
            "with limit (at most 200) and offset. No text may contain NUL characters (U+0000). "
            "Date-times are RFC 3339: an event's own moments in the offset of its time_zone (which is "
            "given next to them), every other moment in UTC with Z."
        },
    )
    marshmallow_plugin.converter.add_attribute_function(_object_size)
    schema_rules.register(marshmallow_plugin)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme(
        "calendarFeedToken",
        {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": "A person's calendar feed token (POST /v1/me/calendar-token); calendar feeds "
                           "only.",
        },
    )
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    paths = {}
    for route in ROUTES:
        operation = {
            "operationId": route.name,
            "summary": route.summary,
            "tags": list(route.tags),
            "responses": {},
        }
        if route.description:
            operation["description"] = route.description
        if route.auth == "required":
            operation["security"] = [{"bearer": []}]
        else:
            operation["security"] = [{}, {"bearer": []}]
        if route.query is CalendarFeedQuery:
            operation["security"].append({"calendarFeedToken": []})
        params = [
            {
                "in": "path",
                "name": name,
                "required": True,
                "description": PATH_ID,
                "schema": {"type": "string", "format": "uuid"},
            }
            for name in re.findall(r"\{(\w+)\}", route.path)
        ]
        if params:
            operation["parameters"] = params
        if route.query is not None:
            operation.setdefault("parameters", []).append({"in": "query", "schema": route.query})
        if route.body is not None:
            content = {"schema": route.body}
            if route.name in route.examples:
                content["example"] = route.examples[route.name]
            # a body whose fields are all optional may be left out (it then means {})
            required = any(f.required for f in route.body().load_fields.values())
            operation["requestBody"] = {"required": required, "content": {"application/json": content}}
        if route.csv_body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "text/csv": {"schema": {"type": "string", "minLength": 1}},
                "application/json": {"schema": route.csv_body},
            }}
        ok = {"description": "Success"}
        if route.status != 204:
            media = {}
            for produced in route.produces:
                media[produced] = (
                    {"schema": route.response}
                    if (route.response and produced == "application/json")
                    else {
                        "schema": {"type": "string"} if produced != "application/json" else {"type": "object"}
                    }
                )
            ok["content"] = media
        operation["responses"][str(route.status)] = ok
        errors = set(route.errors) | {503, 504} | ({404} if params else set())
        if route.rate_limit:
            errors.add(429)
        if route.body is not None or route.csv_body is not None:
            errors |= {400, 411, 413, 415, 422}
        errors.add(401)  # also where signing in is optional: a token sent must be a valid one
        if route.method != "GET":
            errors.add(409)  # a write may meet a unique name or number, or a state that forbids it
        for status in sorted(errors):
            operation["responses"][str(status)] = {
                "description": ERROR_TEXT.get(status, "Error"),
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    doc = schema_rules.schema_rules(spec.to_dict(), marshmallow_plugin.converter.refs)
    for operations in doc["paths"].values():
        for op in operations.values():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None and "example" not in content:
                content["example"] = EXAMPLE_OVERRIDES.get(op["operationId"]) or example_for(
                    content.get("schema", {}), doc
                )
    return doc


# realistic values by field name (checked first), then by format and type
NAMED_EXAMPLES = {
    "email": "anne.holm@example.dk",
    "password": "a-long-secret-phrase",
    "name": "Fjordby Tømrer ApS",
    "title": "Netværksmøde: Grøn omstilling i praksis",
    "slug": "fjordby-erhverv",
    "country": "DK",
    "language": "da",
    "default_language": "da",
    "time_zone": "Europe/Copenhagen",
    "currency": "DKK",
    "sector": "62.01",
    "region": "Syddanmark",
    "registration_kind": "CVR",
    "registration_number": "13585628",
    "phone": "+45 12 34 56 78",
    "website": "https://www.example.dk",
    "key": "green-funding",
    "description": "A short description.",
    "goal": "Keep the business networks alive online.",
    "need": "Small companies do not know where to start",
    "expected_effect": "Lower energy bills",
    "body": "We would take part.",
    "text": "Kick-off held with eight companies.",
    "message": "Shall we meet?",
    "reason": "Moved to the spring",
    "note": "Agreed at the panel meeting",
    "source": "signup form",
    "wording_version": "2024-01",
    "theme": "Green transition",
    "csv": "Name,Email\nAnne Holm,anne@example.dk\n",
    "recording_url": "https://video.example.dk/meeting-1",
    "join_url": "https://meet.example.dk/room-1",
    "external_link": "https://www.linkedin.com/groups/12345",
    "url": "https://hooks.example.dk/nabo",
    "secret": "a-shared-secret-of-16+",
    "address": "Havnegade 1, 6000 Fjordby",
    "campaign_code": "spring-24",
    "sender_name": "Erhvervskontoret",
    "reply_to": "erhverv@example.dk",
    "subject": "Nyt fra erhvervskontoret",
    "amount_minor": 1_200_000,
    "budget_amount_minor": 7_500_000,
    "year": 2025,
    "birth_year": 1988,
    "capacity": 40,
    "planned_events": 7,
    "rating": 5,
    "anonymous_count": 3,
    "max_age": 30,
    "limit": 50,
    "offset": 0,
    "id": "dietary_needs",
    "ends_at": "2025-03-20T17:30:00+01:00",
    "registration_opens_at": "2025-02-01T09:00:00+01:00",
    "registration_closes_at": "2025-03-20T12:00:00+01:00",
    "da": "Grøn omstilling",
    "nl": "Groene transitie",
    "de": "Grüne Transformation",
    "sv": "Grön omställning",
    "en": "Green transition",
}
FORMAT_EXAMPLES = {
    "date": "2025-03-20",
    "date-time": "2025-03-20T16:00:00+01:00",
    "email": "anne.holm@example.dk",
    "url": "https://www.example.dk",
    "uri": "https://www.example.dk",
    "uuid": "3f0c2a4e-8d1b-4c7a-9e55-2b6f0d9a1c33",
}
EXAMPLE_ID = FORMAT_EXAMPLES["uuid"]
_CAMPAIGN = {
    "name": "Nyhedsbrev marts",
    "kind": "newsletter",
    "sender_name": "Erhvervskontoret",
    "contents": {
        "da": {"subject": "Nyt fra erhvervskontoret", "text": "Kom til netværksmødet 20. marts."},
        "en": {"subject": "News from the business office", "text": "Join the network meeting."},
    },
    "segment": {"association_ids": [EXAMPLE_ID], "countries": ["DK"]},
}
# bodies whose fields depend on each other (one of several, or a nested text map) where a per-field
# example misleads
EXAMPLE_OVERRIDES = {
    "record_attendance": {"registration_id": EXAMPLE_ID},
    "transition_idea": {"to": "declined", "reason": "Already covered by the municipality's energy advice"},
    "create_campaign": _CAMPAIGN,
    "update_campaign": {"contents": _CAMPAIGN["contents"]},
}


def _resolve(schema, doc):
    while "$ref" in schema:
        schema = doc.get("components", {}).get("schemas", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "allOf" in schema and schema["allOf"]:
        return _resolve(schema["allOf"][0], doc)
    return schema


def example_for(schema, doc, name="", depth=0):
    """A realistic example value for a (resolved) JSON schema; server-owned (readOnly) fields left out."""
    schema = _resolve(schema or {}, doc)
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        if not schema.get("properties") and name in ("name", "description", "labels", "contents"):
            return {"da": "Grøn omstilling", "en": "Green transition"}
        return {
            prop: example_for(definition, doc, prop, depth + 1)
            for prop, definition in schema.get("properties", {}).items()
            if not definition.get("readOnly")
        }
    if kind == "array":
        singular = name[:-3] + "y" if name.endswith("ies") else name[:-1] if name.endswith("s") else name
        item = example_for(schema.get("items", {}), doc, singular, depth + 1)
        return [item] if item not in ({}, None) else []
    if kind == "string" and schema.get("minLength") == 36 == schema.get("maxLength"):
        return EXAMPLE_ID
    if name in NAMED_EXAMPLES and kind in (None, "string", "integer", "number"):
        value = NAMED_EXAMPLES[name]
        if kind != "string" or isinstance(value, str):
            return value
    if kind == "string":
        if schema.get("format") in FORMAT_EXAMPLES:
            return FORMAT_EXAMPLES[schema["format"]]
        if (
            name.endswith("_id")
            or name.endswith("_ids")
            or schema.get("minLength") == 36 == schema.get("maxLength")
        ):
            return EXAMPLE_ID
        if name.endswith("_at"):
            return FORMAT_EXAMPLES["date-time"]
        if name.endswith("_on") or name.endswith("date") or name.endswith("_from") or name.endswith("_until"):
            return FORMAT_EXAMPLES["date"]
        return "text"
    if kind in ("integer", "number"):
        return schema.get("minimum", 1) if schema.get("minimum", 0) > 0 else 1
    if kind == "boolean":
        return True
    return None


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nabo API</title>
<style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}}
h2{{border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2rem}}
.op{{margin:.8rem 0;padding:.6rem .8rem;border-left:4px solid #4a7;background:#f7faf8}}
code{{background:#eef;padding:0 .25rem}} .m{{font-weight:bold;display:inline-block;width:4.5rem}}
pre{{background:#f4f4f4;padding:.5rem;overflow:auto}} small{{color:#666}}
table{{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}}
td,th{{border:1px solid #ddd;padding:.1rem .4rem;text-align:left}}
ul.r{{font-size:.85rem;margin:.3rem 0;padding-left:1.2rem;columns:2}}</style>
</head><body><h1>nabo API</h1><p>{description}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI {openapi}).</p>
{sections}</body></html>"""


def _parameters(op):
    rows = []
    for p in op.get("parameters", []):
        schema = p.get("schema", {})
        kind = schema.get("type", "string") + (f" ({schema['format']})" if schema.get("format") else "")
        if schema.get("enum"):
            kind = " | ".join(str(v) for v in schema["enum"])
        required = " <b>required</b>" if p.get("required") else ""
        description = html.escape(p.get("description", ""))
        rows.append(
            f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{p['in']}</td>"
            f"<td>{html.escape(kind)}{required}</td><td>{description}</td></tr>"
        )
    return (
        f"<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>{''.join(rows)}</table>"
        if rows
        else ""
    )


def _responses(op):
    items = [
        f"<li><code>{code}</code> {html.escape(r.get('description', ''))}</li>"
        for code, r in op.get("responses", {}).items()
    ]
    return f'<ul class="r">{"".join(items)}</ul>'


def render_page(doc):
    sections = {}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            tag = (op.get("tags") or ["other"])[0]
            body = ""
            request_body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if request_body:
                example = request_body.get("example") or example_for(request_body.get("schema", {}), doc)
                body = (
                    "<div>Example body:</div>"
                    f"<pre>{html.escape(json.dumps(example, indent=2, ensure_ascii=False))}</pre>"
                )
            auth = "" if {} in op.get("security", []) else " <small>(bearer token)</small>"
            sections.setdefault(tag, []).append(
                f'<div class="op"><span class="m">{method.upper()}</span>'
                f"<code>{html.escape(path)}</code>{auth}"
                f"<div>{html.escape(op.get('summary', ''))}</div>"
                f"{_parameters(op)}{body}{_responses(op)}</div>"
            )
    rendered = "".join(
        f"<h2>{html.escape(tag)}</h2>{''.join(items)}" for tag, items in sorted(sections.items())
    )
    return PAGE.format(
        description=html.escape(doc["info"].get("description", "")), openapi=doc["openapi"], sections=rendered
    )
