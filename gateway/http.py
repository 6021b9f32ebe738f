"""The gateway's HTTP entrypoint: every request gets an id and a body limit,
then its rate limits, authentication and validated input, and leaves as JSON
or a problem, with CORS headers, a latency sample and an access log line.

A POST with an Idempotency-Key is claimed once authenticated and answered from
the kept answer when it is a retry (``gateway.idempotency``).

Routes are declared with ``@api(...)``; the declaration also feeds the
OpenAPI document, so what is validated is what is documented.
"""
import functools
import re
import time
from dataclasses import dataclass, field

from werkzeug.wrappers import Response

from gateway import cors, idempotency, languages, metrics, problems
from gateway.conditional import conditional
from gateway.parsing import check_path_ids, parse_body, parse_query
from gateway.ratelimit import (
    LIMITS_UNAVAILABLE_DETAIL,
    NAMED_RATE_LIMITS,
    TOO_MANY_REQUESTS_DETAIL,
    LimitsUnavailable,
    TooManyRequests,
    exceeded_rate_limit,
)
from gateway.runtime import runtime
from gateway.server import GatewayRoute, request_id
from nabo_common.api import deprecation
from nabo_common.api.errors import NaboError
from nabo_common.i18n.catalogues import N_
from nabo_common.runtime import jsoncodec

ROUTES = []


@dataclass
class RouteSpec:
    method: str
    path: str
    name: str = ""
    summary: str = ""
    description: str = ""
    tags: tuple = ()
    auth: str = "required"  # required | optional
    body: type | None = None
    csv_body: type | None = None  # a CSV table read by the handler: text/csv, or this schema as JSON
    query: type | None = None
    response: type | None = None
    status: int = 200
    rate_limit: str | None = None  # a key of NAMED_RATE_LIMITS
    produces: tuple = ("application/json",)
    errors: tuple = (400, 401, 403, 404, 422)
    examples: dict = field(default_factory=dict)
    deprecated: deprecation.Deprecation | None = None  # the operation's; fields say theirs in their metadata
    idempotent: bool = True  # a POST takes an Idempotency-Key (see gateway.idempotency)
    localised: bool = False  # its service writes the answer's labels and names in the caller's language
    link_page: bool = False  # a page a link in a mail opens: a browser gets its problems as a page too

    def deprecation(self):
        """What its clients are told: the operation's deprecation, or its fields' soonest."""
        return deprecation.of_operation_fields(self.deprecated, self.body, self.query, self.response)


def json_response(status, payload, headers=None):
    return Response(jsoncodec.http_dumps(payload), status=status, content_type="application/json",
                    headers=headers)


def json_text(text, status=200):
    """A reply whose JSON a service wrote whole (a page built once): sent as it came, not read and
    written again."""
    return Response(text, status=status, content_type="application/json")


def localised_answer(response):
    """A success with a body written now (not a replay, which keeps its first language), whose language
    a document or calendar has not said already."""
    return (200 <= response.status_code < 300 and response.status_code != 204
            and idempotency.REPLAYED_HEADER not in response.headers
            and "Content-Language" not in response.headers)


# the parameters of every route's handler besides its path values (see ``api``)
HANDLER_PARAMETERS = frozenset(("self", "request"))


class ApiRoute(GatewayRoute):
    expected_exceptions = (NaboError,)

    def __init__(self, method, url, spec=None, **kwargs):
        self.spec = spec or RouteSpec(method, url)
        super().__init__(method + ",OPTIONS" if "OPTIONS" not in method else method, url,
                         expected_exceptions=self.expected_exceptions, **kwargs)

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False  # nameko builds shallow requests; the body is read here for limits
        request.nabo_request_id = getattr(request, "nabo_request_id", None) or request_id(request)
        rt = runtime()
        request.max_content_length = rt.config.max_body_bytes
        if request.method == "OPTIONS":
            response = Response(status=204)
        else:
            response = (self._refused_body(request, rt.config.max_body_bytes) or self._limited(request, rt)
                        or self._routed(request))
        response.headers["X-Request-ID"] = request.nabo_request_id
        notice = self.spec.deprecation()
        if notice is not None:
            response.headers.update(notice.headers())
        cors.allow_origin(request, response, rt.config.cors_origins)
        response = conditional(request, response)
        metrics.record(self.url, request, response, started)
        return response

    def check_signature(self, args, kwargs):
        """nameko inspects the handler's signature anew on every request; ``api``'s handler is
        ``handler(self, request, **path_values)``, which takes the request and any path value but one
        named as its own parameters."""
        if len(args) != 1 or not HANDLER_PARAMETERS.isdisjoint(kwargs):
            super().check_signature(args, kwargs)

    def _refused_body(self, request, max_bytes):
        if request.content_length is not None and request.content_length > max_bytes:
            return self._problem(request, 413, N_("Payload too large"),
                                 N_("The body may be at most {max_bytes} bytes."), max_bytes=max_bytes)
        if request.content_length is None and request.headers.get("Transfer-Encoding"):
            # a streamed (chunked) body would be read as empty: refused rather than taken for {}
            return self._problem(request, 411, N_("Length required"),
                                 N_("Send the body with a Content-Length header; it may be at most "
                                    "{max_bytes} bytes."), max_bytes=max_bytes)
        return None

    def _limited(self, request, rt):
        try:
            retry_after = exceeded_rate_limit(self.spec, request, rt, signed_in=False)
        except LimitsUnavailable as exc:
            return self._problem(request, 503, LimitsUnavailable.title, LIMITS_UNAVAILABLE_DETAIL,
                                 headers=exc.headers)
        if retry_after is None:
            return None
        return self._problem(request, 429, TooManyRequests.title, TOO_MANY_REQUESTS_DETAIL,
                             headers={"Retry-After": str(retry_after)})

    def _routed(self, request):
        response = None
        try:
            response = super().handle_request(request)
            if response.mimetype == "application/problem+json":
                problems.stamp(request, response)
                # in the caller's language before it is kept: a replay is the first answer as it was
                language = problems.reader_language(request)
                problems.localise(response, language)
                if self.spec.link_page and "text/html" in request.headers.get("Accept", ""):
                    response = problems.as_link_page(response, language)
            elif self.spec.localised and localised_answer(response):
                languages.speaks(response, request.caller.language)
        finally:
            idempotency.finish(request, response, runtime())
        return response

    def _problem(self, request, status, title, detail="", errors=None, headers=None, **params):
        return problems.problem(status, title, detail, errors,
                                request_id=getattr(request, "nabo_request_id", None),
                                instance=request.path, headers=headers, params=params)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, headers = self.spec.status, None
        if isinstance(result, tuple):
            if len(result) == 3:
                status, headers, result = result
            else:
                status, result = result
        if status == 204:
            return Response(status=204, headers=headers)
        return json_response(status, result, headers)

    def response_from_exception(self, exc):
        return problems.problem_for(exc)


def api(method, path, **spec_kwargs):
    """Declare a gateway route: validation, auth and documentation in one place."""
    werkzeug_path = re.sub(r"\{(\w+)\}", r"<\1>", path)

    def decorate(fn):
        spec = RouteSpec(method=method, path=path, name=fn.__name__, **spec_kwargs)
        if spec.rate_limit is not None and spec.rate_limit not in NAMED_RATE_LIMITS:
            raise ValueError(f"{method} {path}: rate_limit must be one of {', '.join(NAMED_RATE_LIMITS)}")
        if not spec.summary and fn.__doc__:
            spec.summary = fn.__doc__.strip().splitlines()[0]

        @functools.wraps(fn)
        def handler(self, request, **path_values):
            check_path_ids(path_values)
            caller = self.auth.authenticate(request, required=spec.auth == "required")
            request.caller = caller
            # a retry is answered before the limits count it: it does no work again (a refused request's
            # key is freed, idempotency.finish)
            replayed = idempotency.begin(spec, request, runtime(), self.auth.worker_ctx)
            if replayed is not None:
                return replayed
            retry_after = exceeded_rate_limit(spec, request, runtime(), signed_in=True)
            if retry_after is not None:
                raise TooManyRequests(retry_after)
            request.query = parse_query(request, spec.query) if spec.query is not None else {}
            request.payload = parse_body(request, spec.body) if spec.body is not None else None
            return fn(self, request, **path_values)

        ROUTES.append(spec)
        return ApiRoute.decorator(method, werkzeug_path, spec=spec)(handler)

    return decorate
