"""Conditional GETs (RFC 9110): every successful GET answer carries a strong ETag of the bytes it sends,
and a client that sends that tag back in If-None-Match gets 304 Not Modified without the body. A GET
answer that says nothing of caching is marked for revalidation (``no-cache``, and ``private`` when the
caller signed in), so browsers and proxies keep what they have and ask whether it is still current
instead of fetching it again or serving it stale."""

CONDITIONAL_METHODS = ("GET", "HEAD")


def cache_control(request):
    return "private, no-cache" if request.headers.get("Authorization") else "no-cache"


def conditional(request, response):
    """``response`` with its ETag, or turned into 304 when the client already has these bytes."""
    if (request.method not in CONDITIONAL_METHODS or response.status_code != 200
            or response.is_streamed or response.direct_passthrough
            or getattr(response, "made_conditional", False)):
        return response
    response.made_conditional = True  # the API routes' answers pass here twice; tagged and checked once
    if not any(name.lower() == "cache-control" for name, _value in response.headers):
        response.headers.add("Cache-Control", cache_control(request))
    # what a cache must key the answer on: who asks, and in which language
    response.vary.update(("Authorization", "Accept-Language"))
    response.add_etag(overwrite=False)
    return response.make_conditional(request)
