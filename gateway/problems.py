"""Errors as application/problem+json (RFC 9457), with per-field messages,
and the problem each failure behind a route becomes.

A problem is written in English first and in the caller's language as it
leaves (``localise``): its ``type`` and each field's ``code`` never change
with the language, its ``title``, ``detail`` and messages do."""
import json
import logging
from dataclasses import dataclass, field

from markupsafe import escape
from nameko.exceptions import RemoteError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from gateway.conditional import vary_on
from gateway.languages import speaks
from nabo_common.api.errors import NaboError
from nabo_common.i18n import negotiation
from nabo_common.i18n.catalogues import N_, SOURCE_LANGUAGE, gettext
from nabo_common.i18n.field_messages import field_errors, message_id_of

PROBLEM_TYPE_BASE = "https://nabo.example/problems/"
# errors of a service's own infrastructure (its database is restarting, unreachable):
# the request changed nothing and may be retried, so they are 503, not 500
UNAVAILABLE_REMOTE_ERRORS = frozenset({"OperationalError", "InterfaceError", "DisconnectionError",
                                       "TimeoutError"})

log = logging.getLogger("nabo.gateway")


@dataclass(frozen=True)
class Problem:
    """What a problem says, as message ids and the values for their places."""
    status: int
    title: str
    detail: str = ""
    params: dict = field(default_factory=dict)
    errors: dict | None = None

    def rendered(self, language):
        if self.params:
            detail, params = self.detail, self.params
        else:  # a text formatted before it was raised (a token's refusal) is found by its message id
            detail, params = message_id_of(self.detail or self.title)
        body = {
            "type": PROBLEM_TYPE_BASE + self.title.lower().replace(" ", "-"),
            "title": gettext(language, self.title),
            "status": self.status,
            "detail": gettext(language, detail, **params),
        }
        if self.errors:
            body["errors"], body["field_errors"] = field_errors(self.errors, language)
        return body


def problem(status, title, detail="", errors=None, request_id=None, instance=None, headers=None, params=None):
    found = Problem(status, title, detail, params or {}, errors or None)
    body = found.rendered(SOURCE_LANGUAGE)
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, content_type="application/problem+json",
                        headers=headers)
    response.nabo_problem = found
    return response


def reader_language(request):
    """The signed-in caller's language, or what the request's Accept-Language asks for."""
    caller = getattr(request, "caller", None)
    if caller is not None:
        return caller.language
    return negotiation.negotiate(request.headers.get("Accept-Language"))


def localise(response, language):
    """Write a problem the gateway answered in ``language`` (once), saying which language it is in;
    anything else is left as it is."""
    found = getattr(response, "nabo_problem", None)
    if found is None:
        return
    response.nabo_problem = None
    speaks(response, language)
    if language == SOURCE_LANGUAGE:
        return
    body = json.loads(response.get_data())
    body.update(found.rendered(language))
    response.set_data(json.dumps(body))


# a problem of a page a link in a mail opens (unsubscribe, cancel), for a browser: in the reader's words
LINK_PAGE = """<!DOCTYPE html>
<html lang="{language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
<link rel="icon" href="data:,"><title>{heading}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:480px;margin:48px auto;padding:0 16px">
<h1>{heading}</h1>
<p>{detail}</p>
<p>{advice}</p>
</body>
</html>"""
LINK_HEADING = N_("This link does not work")
LINK_MANGLED = N_("The link is not complete, or it was changed.")  # its token is not even a token
LINK_ADVICE = N_("Open the link again from the message, the whole link: a mail program may have split it "
                 "over two lines. If it still does not work, use the link in the latest message you got.")


def as_link_page(response, language):
    """A problem (``localise``d in ``language``) as the HTML page a browser shows, with its status."""
    body = json.loads(response.get_data())
    detail = gettext(language, LINK_MANGLED) if response.status_code == 422 else body.get("detail")
    page = LINK_PAGE.format(language=language, heading=escape(gettext(language, LINK_HEADING)),
                            detail=escape(detail or body.get("title") or ""),
                            advice=escape(gettext(language, LINK_ADVICE)))
    answer = Response(page, status=response.status_code, content_type="text/html; charset=utf-8",
                      headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
    if "Retry-After" in response.headers:
        answer.headers["Retry-After"] = response.headers["Retry-After"]
    vary_on(answer.headers, ("Accept",))  # a client that does not ask for HTML gets the problem as JSON
    return speaks(answer, language)


def problem_for(exc):
    """Domain errors keep their status; a service that cannot reach its database is 503; anything else
    is 500 without internals, logged."""
    if isinstance(exc, NaboError):
        return problem(exc.status, exc.title, exc.message, exc.errors, headers=getattr(exc, "headers", None),
                       params=exc.params)
    if isinstance(exc, RequestEntityTooLarge):
        return problem(413, N_("Payload too large"), N_("The request body is too large."))
    if isinstance(exc, HTTPException):
        return problem(exc.code or 400, exc.name, exc.description)
    if isinstance(exc, RemoteError) and exc.exc_type in UNAVAILABLE_REMOTE_ERRORS:
        log.warning("service dependency unavailable: %s %s", exc.exc_type, str(exc.value)[:200])
        return problem(503, N_("Service unavailable"),
                       N_("A service cannot reach its database right now; try again shortly."),
                       headers={"Retry-After": "5"})
    if isinstance(exc, RemoteError):
        log.error("service error: %s %s", exc.exc_type, exc.value)
        return problem(500, N_("Internal error"), N_("A service failed; the error has been logged."))
    log.error("gateway error: %r", exc, exc_info=exc)
    return problem(500, N_("Internal error"), N_("The gateway failed; the error has been logged."))


def stamp(request, response):
    """Name the request's path and id in a problem a route answered."""
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return
    body.setdefault("instance", request.path)
    body.setdefault("request_id", request.nabo_request_id)
    response.set_data(json.dumps(body))
