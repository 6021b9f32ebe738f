"""The gateway's HTTP entrypoint: one place for request ids, body limits,
CORS, rate limits, authentication, validation, JSON and problem responses.

Routes are declared with ``@api(...)``; the declaration also feeds the
OpenAPI document, so what is validated is what is documented.
"""
import functools
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError, fields as ma_fields
from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from gateway import config as config_mod
from gateway.problems import problem
from gateway.ratelimit import RateLimits
from nabo_common.runtime import context as context_mod
from nabo_common.runtime import jsoncodec
from nabo_common.api import validation
from nabo_common.api.errors import NaboError, RateLimited
from prometheus_client import Histogram

from nabo_common.runtime.metrics import REGISTRY

log = logging.getLogger("nabo.gateway")
ROUTES = []
# errors of a service's own infrastructure (its database is restarting, unreachable):
# the request changed nothing and may be retried, so they are 503, not 500
UNAVAILABLE_REMOTE_ERRORS = frozenset({"OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError"})
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
HTTP_LATENCY = Histogram("nabo_http_request_duration_seconds", "Gateway HTTP requests", ["route", "method", "status"],
                         registry=REGISTRY,
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


# The limits a route's ``rate_limit`` names: (gateway setting, whose requests count together, …).
# "client" is the client address, "account" the e-mail signing in, "person" the signed-in caller.
NAMED_RATE_LIMITS = {
    "write": (("write_limit", "client"),),
    # password guessing is limited per account, and more loosely per client address
    "sign_in": (("sign_in_limit", "client", "account"), ("sign_in_ip_limit", "client")),
    # guests register without signing in: one client must not fill events or the organisers' inboxes
    "registration": (("write_limit", "client"), ("registration_limit", "client")),
    # every send mails a whole audience; counted per person so changing address does not help
    "campaign_send": (("write_limit", "client"), ("campaign_send_limit", "person")),
}
TOO_MANY_REQUESTS_DETAIL = "Slow down and try again later."


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
    query: type | None = None
    response: type | None = None
    status: int = 200
    rate_limit: str | None = None  # a key of NAMED_RATE_LIMITS
    produces: tuple = ("application/json",)
    errors: tuple = (400, 401, 403, 404, 422)
    examples: dict = field(default_factory=dict)


_runtime = None


class Runtime:
    def __init__(self):
        self.config = config_mod.load()
        self.limits = RateLimits(self.config.rate_limit_storage)
        self.oidc = None
        if self.config.oidc_issuer:
            from gateway.tokens import OidcVerifier

            self.oidc = OidcVerifier(self.config.oidc_issuer, self.config.oidc_audience, self.config.oidc_jwks_url)


def runtime():
    global _runtime
    if _runtime is None:
        _runtime = Runtime()
    return _runtime


def reset_runtime():
    global _runtime
    _runtime = None


def client_ip(request):
    if runtime().config.trust_forwarded_for:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.remote_addr or "unknown"


def _email_in_body(request):
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
        return str(body.get("email", "")).strip().lower()[:320] if isinstance(body, dict) else ""
    except (ValueError, UnicodeDecodeError):
        return ""


def _requester(kind, request):
    if kind == "account":
        return _email_in_body(request)
    if kind == "person":
        caller = getattr(request, "caller", None)
        return (caller and caller.person_id) or client_ip(request)
    return client_ip(request)


def exceeded_rate_limit(spec, request, rt, signed_in):
    """Count the request against its route's limits; the seconds until a slot frees of the first one it
    exceeds, else None. Limits counted per person wait until the caller is known (``signed_in``)."""
    for setting, *kinds in NAMED_RATE_LIMITS.get(spec.rate_limit, ()):
        if ("person" in kinds) != signed_in:
            continue
        requester = [_requester(kind, request) for kind in kinds]
        # the setting's name keeps two limits of one route apart even when their values are equal
        allowed, retry_after = rt.limits.hit(getattr(rt.config, setting), setting, spec.path, request.method,
                                             *requester)
        if not allowed:
            return retry_after
    return None


class TooManyRequests(RateLimited):
    def __init__(self, retry_after):
        super().__init__(TOO_MANY_REQUESTS_DETAIL)
        self.headers = {"Retry-After": str(retry_after)}


def json_response(status, payload, headers=None):
    return Response(jsoncodec.http_dumps(payload), status=status, content_type="application/json", headers=headers)


class ApiRoute(HttpRequestHandler):
    expected_exceptions = (NaboError,)

    def __init__(self, method, url, spec=None, **kwargs):
        self.spec = spec or RouteSpec(method, url)
        super().__init__(method + ",OPTIONS" if "OPTIONS" not in method else method, url,
                         expected_exceptions=self.expected_exceptions, **kwargs)

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False  # nameko builds shallow requests; the body is read here for limits
        incoming = request.headers.get("X-Request-ID", "")
        request.nabo_request_id = incoming if REQUEST_ID_RE.match(incoming) else str(uuid.uuid4())
        rt = runtime()
        request.max_content_length = rt.config.max_body_bytes
        if request.method == "OPTIONS":
            response = Response(status=204)
        elif request.content_length is not None and request.content_length > rt.config.max_body_bytes:
            response = self._problem(request, 413, "Payload too large",
                                     f"The body may be at most {rt.config.max_body_bytes} bytes.")
        elif request.content_length is None and request.headers.get("Transfer-Encoding"):
            # a streamed (chunked) body would be read as empty: refused rather than taken for {}
            response = self._problem(request, 411, "Length required",
                                     f"Send the body with a Content-Length header; it may be at most "
                                     f"{rt.config.max_body_bytes} bytes.")
        else:
            response = self._limited(request, rt) or super().handle_request(request)
            if response.mimetype == "application/problem+json":
                self._stamp_problem(request, response)
        response.headers["X-Request-ID"] = request.nabo_request_id
        self._cors(request, response, rt)
        duration = time.perf_counter() - started
        HTTP_LATENCY.labels(self.url, request.method, str(response.status_code)).observe(duration)
        log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "route": self.url, "status": response.status_code,
            "duration_ms": round(duration * 1000, 2), "request_id": request.nabo_request_id})
        return response

    def _stamp_problem(self, request, response):
        try:
            body = json.loads(response.get_data())
        except ValueError:
            return
        body.setdefault("instance", request.path)
        body.setdefault("request_id", request.nabo_request_id)
        response.set_data(json.dumps(body))

    def _limited(self, request, rt):
        retry_after = exceeded_rate_limit(self.spec, request, rt, signed_in=False)
        if retry_after is None:
            return None
        return self._problem(request, 429, TooManyRequests.title, TOO_MANY_REQUESTS_DETAIL,
                             headers={"Retry-After": str(retry_after)})

    def _cors(self, request, response, rt):
        origin = request.headers.get("Origin")
        if origin and (origin in rt.config.cors_origins or "*" in rt.config.cors_origins):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Request-ID, Accept-Language"
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
            response.headers["Access-Control-Max-Age"] = "600"

    def _problem(self, request, status, title, detail="", errors=None, headers=None):
        return problem(status, title, detail, errors, request_id=getattr(request, "nabo_request_id", None),
                       instance=request.path, headers=headers)

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
        if isinstance(exc, NaboError):
            return problem(exc.status, exc.title, exc.detail, exc.errors, headers=getattr(exc, "headers", None))
        if isinstance(exc, RequestEntityTooLarge):
            return problem(413, "Payload too large", "The request body is too large.")
        if isinstance(exc, HTTPException):
            return problem(exc.code or 400, exc.name, exc.description)
        if isinstance(exc, RemoteError) and exc.exc_type in UNAVAILABLE_REMOTE_ERRORS:
            log.warning("service dependency unavailable: %s %s", exc.exc_type, str(exc.value)[:200])
            return problem(503, "Service unavailable", "A service cannot reach its database right now; try again shortly.",
                           headers={"Retry-After": "5"})
        if isinstance(exc, RemoteError):
            log.error("service error: %s %s", exc.exc_type, exc.value)
            return problem(500, "Internal error", "A service failed; the error has been logged.")
        log.error("gateway error: %r", exc, exc_info=exc)
        return problem(500, "Internal error", "The gateway failed; the error has been logged.")


def _query_dict(request, schema_cls):
    """Query args as a dict; list-typed fields take every repeated value."""
    data = {}
    declared = schema_cls._declared_fields if schema_cls else {}
    for key in request.args.keys():
        values = request.args.getlist(key)
        if isinstance(declared.get(key), ma_fields.List):
            data[key] = values
        else:
            data[key] = values[-1]
    return data


def _load(schema_cls, data, what):
    from nabo_common.api.errors import ValidationFailed

    try:
        validation.schema(schema_cls).load(data)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(f"The {what} has invalid fields.", messages) from None


def _type_error(field, value):
    """JSON bodies are typed: marshmallow alone would take "5" or 5.0 for an integer and 0 or "yes" for a boolean."""
    if value is None:
        return None
    if isinstance(field, ma_fields.Boolean) and not isinstance(value, bool):
        return "Not a valid boolean."
    if isinstance(field, ma_fields.Integer) and (isinstance(value, bool) or not isinstance(value, int)):
        return "Not a valid integer."
    if isinstance(field, ma_fields.Number) and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return "Not a valid number."
    if isinstance(field, ma_fields.Nested) and isinstance(value, (dict, list)):
        schema = field.schema
        items = value if isinstance(value, list) else [value]
        nested = {}
        for index, item in enumerate(items):
            if isinstance(item, dict):
                inner = json_type_errors(schema, item)
                if inner:
                    nested[index] = inner
        if nested:
            return nested if isinstance(value, list) else nested[0]
    if isinstance(field, ma_fields.List) and isinstance(value, list):
        inner = {i: [e] for i, e in ((i, _type_error(field.inner, v)) for i, v in enumerate(value)) if e}
        return inner or None
    return None


def nul_errors(value, where=None):
    """NUL is never text: PostgreSQL refuses it in strings, so it is a 422 here rather than a 500 there."""
    errors = {}
    if isinstance(value, dict):
        for key, inner in value.items():
            errors.update(nul_errors(inner, key if where is None else where) or
                          ({key if where is None else where: ["NUL characters are not allowed."]} if "\x00" in str(key) else {}))
    elif isinstance(value, list):
        for inner in value:
            errors.update(nul_errors(inner, where))
    elif isinstance(value, str) and "\x00" in value:
        errors[where or "_schema"] = ["NUL characters are not allowed."]
    return errors


def json_type_errors(schema, payload):
    errors = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in payload:
            error = _type_error(field, payload[key])
            if error:
                errors[key] = error if isinstance(error, dict) else [error]
    return errors


def parse_body(request, spec):
    from nabo_common.api.errors import BadInput, ValidationFailed

    content_type = (request.mimetype or "").lower()
    raw = request.get_data(cache=True)
    if not raw:
        payload = {}
    else:
        if content_type not in ("application/json", "application/merge-patch+json") and not content_type.endswith("+json"):
            raise UnsupportedMediaType()
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadInput("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ValidationFailed("The body must be a JSON object.", {"_schema": ["Expected a JSON object."]})
    errors = nul_errors(payload) or json_type_errors(validation.schema(spec.body), payload)
    if errors:
        # report the other fields' problems too, as a plain validation would
        try:
            validation.schema(spec.body).load(payload)
        except ValidationError as exc:
            if isinstance(exc.messages, dict):
                errors = {**exc.messages, **errors}
        raise ValidationFailed("The body has invalid fields.", errors)
    _load(spec.body, payload, "body")
    return payload


class UnsupportedMediaType(NaboError):
    status = 415
    title = "Unsupported media type"

    def __init__(self):
        super().__init__("Send the body as application/json.")


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
            caller = self.auth.authenticate(request, required=spec.auth == "required")
            request.caller = caller
            retry_after = exceeded_rate_limit(spec, request, runtime(), signed_in=True)
            if retry_after is not None:
                raise TooManyRequests(retry_after)
            if spec.query is not None:
                request.query = _query_dict(request, spec.query)
                if nul_errors(request.query):
                    from nabo_common.api.errors import ValidationFailed

                    raise ValidationFailed("The query string has invalid fields.", nul_errors(request.query))
                _load(spec.query, request.query, "query string")
            else:
                request.query = {}
            request.payload = parse_body(request, spec) if spec.body is not None else None
            return fn(self, request, **path_values)

        ROUTES.append(spec)
        return ApiRoute.decorator(method, werkzeug_path, spec=spec)(handler)

    return decorate
