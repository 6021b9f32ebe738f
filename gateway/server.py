"""The gateway's web server: the one place every response passes before it
is written. A path no route matches is a problem (404, or 405 with Allow),
not an HTML page; every response carries the security headers; and a
response whose headers could not be written is replaced by a 500 problem
rather than dropping the connection after the fact."""
import logging
import re
import uuid
from itertools import chain
from urllib.parse import urlsplit

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request

from gateway import problems
from gateway.conditional import conditional
from gateway.runtime import runtime
from nabo_common.i18n.catalogues import N_

log = logging.getLogger("nabo.gateway")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY"}
_SECURITY_DEFAULTS = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS.items())
# HTML pages (the unsubscribe and cancel pages) style themselves inline and run no script; their only form
# posts back to the gateway, which mails may name by its public address. A page that runs scripts (the API
# page) brings a policy of its own
HTML_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
               "frame-ancestors 'none'; form-action 'self'{public}")
FAILED = N_("The gateway failed; the error has been logged.")
# what HTTP/1.1 can carry in a header value: visible Latin-1 text, spaces and tabs
WRITABLE_HEADER_RE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")


def content_security_policy(public_base_url):
    parts = urlsplit(public_base_url or "")
    public = f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    return HTML_POLICY.format(public=public)


def secure(response, public_base_url, request_id=None):
    """The request id (``request_id``) and the security headers on ``response`` where it has none of its own:
    werkzeug's ``setdefault`` walks the headers three times and raises inside for every header missing, so
    the names present are read once."""
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    if request_id is not None and "x-request-id" not in present:
        headers.add("X-Request-ID", request_id)
    for lowered, name, value in _SECURITY_DEFAULTS:
        if lowered not in present:
            headers.add(name, value)
    if response.mimetype == "text/html" and "content-security-policy" not in present:
        headers.add("Content-Security-Policy", content_security_policy(public_base_url))
    return response


def unwritable_headers(response):
    if WRITABLE_HEADER_RE.match("".join(chain.from_iterable(response.headers))):
        return []  # every character of every name and value is one a header may carry
    return [name for name, value in response.headers.items()
            if not WRITABLE_HEADER_RE.match(name) or not WRITABLE_HEADER_RE.match(value)]


# werkzeug's words for what no route takes, in the catalogue
UNMATCHED_TITLES = (N_("Not found"), N_("Method not allowed"))
UNMATCHED_DETAILS = {405: N_("The method is not allowed for the requested URL.")}


REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id(request):
    """The client's X-Request-ID when it is a plausible one, else a new one."""
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if REQUEST_ID_RE.match(incoming) else str(uuid.uuid4())


def unmatched(request, exc):
    """A request no route takes, answered as a problem like every other error."""
    headers = {"Allow": ", ".join(sorted(exc.valid_methods))} if isinstance(exc, MethodNotAllowed) \
        and exc.valid_methods else None
    detail = N_("No resource lives at this path.") if exc.code == 404 else UNMATCHED_DETAILS.get(
        exc.code, exc.description)
    # titled as the routes' own problems are ("Not found", not werkzeug's "Not Found")
    title = exc.name[:1] + exc.name[1:].lower()
    return problems.problem(exc.code or 400, title, detail, instance=request.path, headers=headers,
                            request_id=getattr(request, "nabo_request_id", None))


class GatewayWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        # the routes' own id, else one of its own: every answer names the request it answers
        request.nabo_request_id = request_id(request)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except RequestRedirect as exc:
            response = exc.get_response(environ)
        except HTTPException as exc:
            response = unmatched(request, exc)
        bad = unwritable_headers(response)
        if bad:
            log.error("response headers cannot be written: %s", ", ".join(bad))
            response = problems.problem(500, N_("Internal error"), FAILED,
                                        instance=request.path)
        problems.localise(response, problems.reader_language(request))
        # the plain routes too (the API document); the API routes' answers have theirs already
        response = conditional(request, response)
        response = secure(response, runtime().config.public_base_url, request.nabo_request_id)
        return response(environ, start_response)


class GatewayWebServer(WebServer):
    def get_wsgi_app(self):
        return GatewayWsgiApp(self)


class GatewayRoute(HttpRequestHandler):
    """A plain route of the gateway (health, metrics, the API document), served by the same server."""
    server = GatewayWebServer()


route = GatewayRoute.decorator
