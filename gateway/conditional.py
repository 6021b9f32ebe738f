"""Conditional GETs (RFC 9110): every successful GET answer carries a strong ETag of the bytes it sends,
and a client that sends that tag back in If-None-Match gets 304 Not Modified without the body. A GET
answer that says nothing of caching is marked for revalidation (``no-cache``, and ``private`` when the
caller signed in), so browsers and proxies keep what they have and ask whether it is still current
instead of fetching it again or serving it stale."""
from werkzeug.http import generate_etag

CONDITIONAL_METHODS = ("GET", "HEAD")
VARY = ("Authorization", "Accept-Language")
VARY_HEADER = ", ".join(VARY)  # as werkzeug's HeaderSet writes VARY on an answer without a Vary


def vary_on(headers, names, present=None):
    """Add ``names`` to the answer's Vary as werkzeug's ``response.vary.update(names)`` does (those not there
    yet, in order, after the answer's own), on the header's text: the HeaderSet parses and writes the header
    again for each call. ``present`` is the Vary value when the caller has read it already."""
    if present is None:
        present = next((value for name, value in headers if name.lower() == "vary"), None)
    if present is None:
        headers.add("Vary", ", ".join(names))
        return
    own = [value.strip() for value in present.split(",") if value.strip()]
    known = {value.lower() for value in own}
    added = [name for name in names if name.lower() not in known]
    if added:
        headers.set("Vary", ", ".join(own + added))


def cache_control(request):
    return "private, no-cache" if request.headers.get("Authorization") else "no-cache"


def conditional(request, response):
    """``response`` with its ETag, or turned into 304 when the client already has these bytes."""
    if (request.method not in CONDITIONAL_METHODS or response.status_code != 200
            or response.is_streamed or response.direct_passthrough
            or getattr(response, "made_conditional", False)):
        return response
    response.made_conditional = True  # the API routes' answers pass here twice; tagged and checked once
    headers = response.headers
    # the names present read once: werkzeug's setdefault, vary and add_etag each walk the headers and raise
    # inside for every one missing
    present = {name.lower() for name, _value in headers}
    if "cache-control" not in present:
        headers.add("Cache-Control", cache_control(request))
    # what a cache must key the answer on: who asks, and in which language
    if "vary" in present:
        vary_on(headers, VARY)
    else:
        headers.add("Vary", VARY_HEADER)
    if "etag" not in present:  # as response.add_etag() tags it
        response.set_etag(generate_etag(response.get_data()))
    return response.make_conditional(request)
