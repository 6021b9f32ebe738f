"""The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) on
every POST: a retry with the same key gets the first answer instead of
doing the work again.

A key is scoped to its caller (the signed-in person, else the client
address), the method and the path, so two callers never see each other's
answers. The first request with a key claims it; its answer is kept for
IDEMPOTENCY_KEY_TTL_SECONDS if it is the work's outcome (2xx, 4xx except
429) and dropped if the work may not have happened (429, 5xx), so a retry
runs again. A retry while the first is processed is 409, one with another
body 422. The scoped key also travels to the services in the call's context
(``nabo_common.persistence.idempotency``), which record it in the
transaction of their write: a retry after a lost answer (504) returns the
committed result there instead of writing twice. A POST without a key gets
a key of its own for the services, so that a request the broker delivers a
second time (its first run's acknowledgement lost in a crash) is answered as
the first run was, not refused as a duplicate of itself.
"""

import base64
import hashlib
import json
import logging
import re
import uuid
from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

from gateway.idempotency_store import StoreUnavailable, new_token
from gateway.parsing import client_json
from gateway.ratelimit import client_ip
from nabo_common.api.errors import BadInput, Conflict, NaboError, ServiceUnavailable
from nabo_common.i18n.catalogues import N_
from nabo_common.runtime.context import IDEMPOTENCY_KEY, IDEMPOTENCY_TTL

log = logging.getLogger("nabo.gateway")
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# printable ASCII, as the draft's sf-string allows
KEY_RE = re.compile(r"^[\x20-\x7e]+$")
# how long a claimed key waits for its request's answer; far beyond any request's RPC deadlines, so a
# gateway that died mid-request blocks its key no longer than this
LEASE_SECONDS = 300
# a request's own key (no Idempotency-Key sent) only has to outlive a redelivery of its RPC request
OWN_KEY_TTL_SECONDS = 3600
IN_PROGRESS_RETRY_AFTER = "1"
# the headers of an answer that belong to it (its resource, its kind, a download's name, its language)
KEPT_HEADERS = ("Content-Type", "Location", "Content-Disposition", "Cache-Control", "Content-Language")
NOT_KEPT_STATUSES = {429}


class KeyInUse(Conflict):
    title = N_("Idempotency key in use")

    def __init__(self):
        super().__init__(N_("A request with this Idempotency-Key is still being processed; retry shortly."))
        self.headers = {"Retry-After": IN_PROGRESS_RETRY_AFTER}


class StoreDown(ServiceUnavailable):
    def __init__(self):
        super().__init__(N_("Requests with an Idempotency-Key cannot be taken right now; try again shortly."))
        self.headers = {"Retry-After": "5"}


class KeyReused(NaboError):
    status = 422
    title = N_("Idempotency key reused")

    def __init__(self):
        super().__init__(
            N_("This Idempotency-Key was used for a request with another body; use a new key for a new "
               "request.")
        )


def parse_key(raw):
    """The key of an Idempotency-Key header: an sf-string ("...") or the bare text; 400 when it cannot be
    one."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
    if not value.strip() or len(value) > MAX_KEY_LENGTH or not KEY_RE.match(value):
        raise BadInput(N_("The {header} header must be 1 to {max_length} printable ASCII characters."),
                       header=HEADER, max_length=MAX_KEY_LENGTH)
    return value


def _digest(*parts):
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(part if isinstance(part, bytes) else part.encode())
        hashed.update(b"\0")
    return hashed.hexdigest()


def scope_of(caller, request, config):
    """Whose keys these are: the signed-in person, else (guests, signing in) the client address."""
    if caller is not None and caller.person_id:
        return f"person:{caller.person_id}"
    return f"client:{client_ip(request, config)}"


def scoped_key(scope, method, path, key):
    return _digest(scope, method, path, key)


def fingerprint(request):
    """What makes two requests the same request: the query's parameters and the body, a JSON body by its
    content (the order of its keys and its spacing are not the client's meaning)."""
    query = sorted(parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True))
    body = request.get_data(cache=True)
    if getattr(request, "mimetype", None) == "application/json":
        try:
            body = json.dumps(client_json(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            pass  # refused as malformed JSON by the route; compared as it came
    return _digest(json.dumps(query), body)


def applies(spec):
    return spec.method == "POST" and spec.idempotent


def begin(spec, request, rt, worker_ctx):
    """Claim the request's key; the kept answer for a retry, else None (the request goes on). Raises
    400/409/422 problems, and 503 while the store is unreachable."""
    if not applies(spec):
        return None
    raw = request.headers.get(HEADER)
    if raw is None:
        worker_ctx.data[IDEMPOTENCY_KEY] = _digest("request", uuid.uuid4().hex)
        worker_ctx.data[IDEMPOTENCY_TTL] = OWN_KEY_TTL_SECONDS
        return None
    key = scoped_key(
        scope_of(request.caller, request, rt.config), request.method, request.path, parse_key(raw)
    )
    record = {"token": new_token(), "fingerprint": fingerprint(request), "state": "processing"}
    try:
        found = rt.idempotency.claim(key, record, LEASE_SECONDS)
    except StoreUnavailable as exc:
        # unkept, a retry could do the work twice: refused (503) until the store is back
        log.warning("Idempotency-Key store unavailable: %s", exc)
        raise StoreDown() from None
    if found is not None:
        if found.get("fingerprint") != record["fingerprint"]:
            raise KeyReused()
        if found.get("state") != "done":
            raise KeyInUse()
        return replay(found)
    request.idempotency = (key, record)
    # the services record the key beside their write (see the module's docstring)
    worker_ctx.data[IDEMPOTENCY_KEY] = key
    worker_ctx.data[IDEMPOTENCY_TTL] = rt.config.idempotency_ttl
    return None


def finish(request, response, rt):
    """Keep the answer of a claimed key when it is the work's outcome, else free the key for a retry."""
    claimed = getattr(request, "idempotency", None)
    if claimed is None:
        return
    key, record = claimed
    try:
        _settle(key, record, response, rt)
    except StoreUnavailable as exc:
        # the work is done and its answer goes out; a retry meanwhile waits out the claim's lease (409)
        log.warning("Idempotency-Key answer not kept: %s", exc)


def _settle(key, record, response, rt):
    if response is None or response.status_code >= 500 or response.status_code in NOT_KEPT_STATUSES:
        rt.idempotency.release(key, record["token"])
        return
    headers = [[name, response.headers[name]] for name in KEPT_HEADERS if name in response.headers]
    kept = dict(
        record,
        state="done",
        status=response.status_code,
        headers=headers,
        body=base64.b64encode(response.get_data()).decode("ascii"),
    )
    rt.idempotency.keep(key, kept, rt.config.idempotency_ttl)


def replay(record):
    response = Response(base64.b64decode(record["body"]), status=record["status"])
    for name, value in record["headers"]:
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response
