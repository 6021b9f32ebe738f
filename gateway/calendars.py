"""The HTTP side of iCalendar answers: the id checked before anything uses it, the caller a feed
token in the URL stands for, validators (ETag, Last-Modified) so calendar clients can poll cheaply
with 304, headers built only from what the events service answered, never from the request, and the
subscription URLs a feed token opens."""
import hashlib
import uuid
from datetime import datetime
from urllib.parse import quote

from werkzeug.wrappers import Response

from gateway.languages import speaks
from nabo_common.api.errors import NotFound

CALENDAR = "text/calendar; charset=utf-8"
FEED_PATHS = {"association": "/v1/associations/{}/calendar.ics", "network": "/v1/networks/{}/calendar.ics"}


def calendar_id(raw, what):
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound("{what} not found.", what=what) from None


def calendar_response(request, answer):
    body = answer["calendar"].encode("utf-8")
    response = Response(body, content_type=CALENDAR, headers={
        "Content-Disposition": f'inline; filename="{answer["filename"]}"',
        # a feed differs by the caller and the language it is named in; clients revalidate every time
        "Cache-Control": "private, no-cache" if request.caller.authenticated else "no-cache",
        "Vary": "Accept-Language, Authorization"})
    speaks(response, request.caller.language)  # its name, themes and venue
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if answer.get("last_modified"):
        response.last_modified = datetime.fromisoformat(answer["last_modified"])
    return response.make_conditional(request)


def read_as_token_holder(routes, request):
    """With ``?token=`` the feed is read as the token's person (as a signed-in person's, never cached
    by shared caches); without it, as whoever the request already is."""
    token = request.query.get("token")
    if token:
        request.caller = routes.auth.authenticate_calendar_token(request, token, routes.members)


def subscription_links(base_url, answer):
    """The feeds a new token opens, as URLs calendar clients subscribe to (webcal:// opens the
    subscription dialogue of Apple and Outlook calendars)."""
    links = []
    for kind, ids in (("association", answer["association_ids"]), ("network", answer["network_ids"])):
        for feed_id in ids:
            url = f"{base_url.rstrip('/')}{FEED_PATHS[kind].format(feed_id)}?token={quote(answer['token'])}"
            links.append({"kind": kind, "id": feed_id, "url": url,
                          "webcal_url": "webcal://" + url.partition("://")[2]})
    return {"token": answer["token"], "created_at": answer["created_at"], "feeds": links}
