"""Errors as application/problem+json (RFC 9457), with per-field messages."""
import json

from werkzeug.wrappers import Response

PROBLEM_TYPE_BASE = "https://nabo.example/problems/"


def problem(status, title, detail="", errors=None, request_id=None, instance=None, headers=None):
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, content_type="application/problem+json", headers=headers)
