"""The HTTP side of iCalendar answers: the id checked before anything uses it, validators (ETag,
Last-Modified) so calendar clients can poll cheaply with 304, and headers built only from what the
events service answered, never from the request."""
import hashlib
import uuid
from datetime import datetime

from werkzeug.wrappers import Response

from nabo_common.api.errors import NotFound

CALENDAR = "text/calendar; charset=utf-8"


def calendar_id(raw, what):
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(f"{what} not found.") from None


def calendar_response(request, answer):
    body = answer["calendar"].encode("utf-8")
    response = Response(body, content_type=CALENDAR, headers={
        "Content-Disposition": f'inline; filename="{answer["filename"]}"',
        # a feed differs by the caller and the language it is named in; clients revalidate every time
        "Cache-Control": "private, no-cache" if request.caller.authenticated else "no-cache",
        "Vary": "Accept-Language, Authorization"})
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if answer.get("last_modified"):
        response.last_modified = datetime.fromisoformat(answer["last_modified"])
    return response.make_conditional(request)
