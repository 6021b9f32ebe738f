"""CORS: browsers on the configured origins may call the API and read its
request id and Retry-After headers. The allowed origin is answered from the
configuration ("*" as such), never copied from the request."""

ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID, Accept-Language"


def allow_origin(request, response, cors_origins):
    origin = request.headers.get("Origin")
    allowed = "*" if "*" in cors_origins else next((o for o in cors_origins if o == origin), None)
    if origin and allowed:
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
        response.headers["Access-Control-Max-Age"] = "600"
