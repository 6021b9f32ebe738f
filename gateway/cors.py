"""CORS: browsers on the configured origins may call the API with the headers it takes (a token, an
Idempotency-Key, If-None-Match) and read the headers it answers with (the request id, Retry-After, an
ETag, where a created resource lives, whether a write was replayed, deprecation notices). The allowed
origin is answered from the configuration ("*" as such), never copied from the request."""

ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID, Accept-Language, Idempotency-Key, If-None-Match"
EXPOSED_HEADERS = ("X-Request-ID, Retry-After, ETag, Location, Idempotent-Replayed, Deprecation, Sunset, "
                   "Link, Content-Disposition")


def allow_origin(request, response, cors_origins):
    origin = request.headers.get("Origin")
    allowed = "*" if "*" in cors_origins else next((o for o in cors_origins if o == origin), None)
    if origin and allowed:
        response.headers["Access-Control-Allow-Origin"] = allowed
        # beside what the answer varies by already (its language, its format)
        response.vary.add("Origin")
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
