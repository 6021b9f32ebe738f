"""CORS: browsers on the configured origins may call the API and read its
request id and Retry-After headers."""

ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-ID, Accept-Language"


def allow_origin(request, response, cors_origins):
    origin = request.headers.get("Origin")
    if origin and (origin in cors_origins or "*" in cors_origins):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
        response.headers["Access-Control-Max-Age"] = "600"
