"""The OpenAPI 3 document, generated from the route declarations and their
marshmallow schemas (apispec), and a human-readable API page."""
import html
import json
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.http import ROUTES

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}, "request_id": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True,
                   "description": "Per-field messages: field name to a list of messages (nested for nested fields)."},
    },
}
ERROR_TEXT = {400: "Malformed request", 401: "Not signed in or token invalid", 403: "Not allowed",
              404: "Not found (or not visible to you)", 409: "Conflicts with the current state",
              413: "Body too large", 415: "Body is not JSON", 422: "Invalid fields", 429: "Rate limit reached",
              503: "A service is unavailable", 504: "A service did not answer in time"}


def _schema_name(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


def build(version="1.0.0"):
    spec = APISpec(
        title="nabo API", version=version, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Business networks across borders: members, networks, events, notifications and "
                             "idea panels. Errors are application/problem+json (RFC 9457). Lists are paginated "
                             "with limit (at most 200) and offset."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    paths = {}
    for route in ROUTES:
        operation = {"operationId": route.name, "summary": route.summary, "tags": list(route.tags), "responses": {}}
        if route.description:
            operation["description"] = route.description
        if route.auth == "required":
            operation["security"] = [{"bearer": []}]
        else:
            operation["security"] = [{}, {"bearer": []}]
        params = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"\{(\w+)\}", route.path)]
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
        ok = {"description": "Success"}
        if route.status != 204:
            media = {}
            for produced in route.produces:
                media[produced] = {"schema": route.response} if (route.response and produced == "application/json") \
                    else {"schema": {"type": "string"} if produced != "application/json" else {"type": "object"}}
            ok["content"] = media
        operation["responses"][str(route.status)] = ok
        errors = set(route.errors) | {503, 504}
        if route.rate_limit:
            errors.add(429)
        if route.body is not None:
            errors |= {400, 413, 415, 422}
        if route.auth == "required":
            errors.add(401)
        for status in sorted(errors):
            operation["responses"][str(status)] = {
                "description": ERROR_TEXT.get(status, "Error"),
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nabo API</title>
<style>body{{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}}
h2{{border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-top:2rem}} .op{{margin:.8rem 0;padding:.6rem .8rem;
border-left:4px solid #4a7;background:#f7faf8}} code{{background:#eef;padding:0 .25rem}} .m{{font-weight:bold;
display:inline-block;width:4.5rem}} pre{{background:#f4f4f4;padding:.5rem;overflow:auto}} small{{color:#666}}</style>
</head><body><h1>nabo API</h1><p>{description}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI {openapi}).</p>{sections}</body></html>"""


def _example_for(schema_ref, doc):
    name = schema_ref.get("$ref", "").rsplit("/", 1)[-1]
    schema = doc.get("components", {}).get("schemas", {}).get(name, {})
    example = {}
    for prop, definition in schema.get("properties", {}).items():
        if definition.get("readOnly"):
            continue
        example[prop] = definition.get("example") or {
            "string": "…", "integer": 0, "boolean": True, "array": [], "object": {}}.get(definition.get("type"), "…")
    return example


def render_page(doc):
    sections = {}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            tag = (op.get("tags") or ["other"])[0]
            body = ""
            request_body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if request_body:
                example = request_body.get("example") or _example_for(request_body.get("schema", {}), doc)
                body = f"<pre>{html.escape(json.dumps(example, indent=2, ensure_ascii=False))}</pre>"
            auth = "" if {} in op.get("security", []) else " <small>(bearer token)</small>"
            statuses = ", ".join(op.get("responses", {}).keys())
            sections.setdefault(tag, []).append(
                f'<div class="op"><span class="m">{method.upper()}</span><code>{html.escape(path)}</code>{auth}'
                f'<div>{html.escape(op.get("summary", ""))}</div><small>responses: {statuses}</small>{body}</div>')
    rendered = "".join(f"<h2>{html.escape(tag)}</h2>{''.join(items)}" for tag, items in sorted(sections.items()))
    return PAGE.format(description=html.escape(doc["info"].get("description", "")), openapi=doc["openapi"],
                       sections=rendered)
