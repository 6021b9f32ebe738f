"""Webhooks: an association (optionally narrowed to one of its networks)
registers an http(s) URL and a secret; matching events are POSTed as JSON.

Each delivery is signed: ``X-Nabo-Signature: v1=<hex HMAC-SHA256 of
"<timestamp>.<body>">`` with ``X-Nabo-Timestamp`` (Unix seconds), so a
receiver can check origin and reject replays. Secrets are stored encrypted
(Fernet; NABO_WEBHOOK_KEYS, first key encrypts, all decrypt, for rotation).
Deliveries are at-least-once: a stable ``X-Nabo-Delivery`` id lets receivers
drop repeats; failures (5xx, 408, 429, network errors) are retried with
backoff, other 4xx answers are final. A URL must point at the public
internet (``webhook_targets``): checked at registration, and again at every
delivery, which connects to the address it checked and follows no redirect.

The dispatcher claims due deliveries (``nabo_common.persistence.due_rows``)
with a lease of ``DELIVERY_LEASE_SECONDS`` on ``next_attempt_at``, commits,
and POSTs each outside any transaction, so no row stays locked while a
receiver answers; each outcome is recorded on its own while the lease holds,
which is renewed while the batch is posted (``nabo_common.persistence.leases``).
"""
import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import bindparam, select

from contracts.api import notifications as schemas
from contracts.api.notifications import WEBHOOK_EVENT_TYPES as SUBSCRIBABLE
from nabo_common.api import validation
from nabo_common.api.errors import NotFound, ValidationFailed
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from nabo_common.messaging import envelopes
from nabo_common.persistence.due_rows import DueRows
from nabo_common.persistence.leases import RenewedLease
from services.notifications.domain import access
from services.notifications.domain.common import (
    delivery_retries,
    idempotent_calls,
    insert_ignoring_duplicates,
    publish,
    utcnow,
)
from services.notifications.domain.webhook_targets import ForbiddenTarget, PinnedTransport, check_url
from services.notifications.models import CalendarEvent, Network, Webhook, WebhookDelivery

MAX_ATTEMPTS = 8
RETRYABLE_STATUS = {408, 429}
TIMEOUT_SECONDS = 5


def cipher(keys):
    return MultiFernet([Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))
                        for _kid, secret in keys])


def signature(secret, timestamp, body):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


# --- registration -------------------------------------------------------------------

def create(session, caller, config, payload, call_key=None):
    data = load(schemas.WebhookCreate, payload)
    association_id = access.own_association(caller, data.get("association_id"))
    try:
        check_url(data["url"], config.webhook_allowed_networks)
    except ForbiddenTarget as exc:
        raise ValidationFailed("Webhooks may only call public addresses.", {"url": [str(exc)]}) from None
    unknown = sorted(set(data["event_types"]) - set(SUBSCRIBABLE))
    if unknown:
        raise ValidationFailed(
            "Some event types cannot be subscribed to.",
            {
                "event_types": [
                    N_("Unknown or not offered: {unknown}. Choose from {choices}.").format(
                        unknown=", ".join(unknown), choices=", ".join(SUBSCRIBABLE))
                ]
            },
        )

    def write():
        if data.get("network_id"):
            network = session.get(Network, data["network_id"])
            if network is None or association_id not in (network.association_ids or ()):
                raise ValidationFailed(
                    "Unknown network.", {"network_id": ["No such network of your association."]}
                )
        hook = Webhook(
            association_id=association_id,
            network_id=data.get("network_id"),
            url=data["url"],
            secret_encrypted=cipher(config.webhook_keys).encrypt(data["secret"].encode()).decode(),
            event_types=sorted(set(data["event_types"])),
            created_by=caller.person_id,
        )
        session.add(hook)
        session.flush()
        _announce(session, caller, hook, "webhook.created")
        return dump(schemas.Webhook, hook)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_webhook", write)


def _announce(session, caller, hook, event_type):
    """For the audit trail: where it calls (the host only) and for what, never its secret."""
    publish(session, event_type, {
        "webhook_id": hook.id, "association_id": hook.association_id, "network_id": hook.network_id,
        "host": urlsplit(hook.url).hostname or "", "event_types": list(hook.event_types)},
        caller, hook.association_id)


def _visible_or_404(session, caller, webhook_id):
    return access.owned_or_404(session, caller, Webhook, webhook_id, "Webhook")


def list_(session, caller, query):
    q = load(schemas.WebhookQuery, query)
    access.require_authenticated(caller)
    stmt = select(Webhook).where(Webhook.active.is_(True))
    if not caller.is_privileged:
        stmt = stmt.where(Webhook.association_id.in_(list(caller.admin_of) or [""]))
    if q.get("association_id"):
        stmt = stmt.where(Webhook.association_id == q["association_id"])
    rows, total = paginate(session, stmt.order_by(Webhook.created_at, Webhook.id), q["limit"], q["offset"])
    return page(dump(schemas.Webhook, rows, many=True), total, q["limit"], q["offset"])


def get(session, caller, webhook_id):
    hook = _visible_or_404(session, caller, webhook_id)
    if not hook.active:
        raise NotFound("Webhook {webhook_id} not found.", webhook_id=webhook_id)
    return dump(schemas.Webhook, hook)


def delete(session, caller, webhook_id):
    with session.begin():
        hook = _visible_or_404(session, caller, webhook_id)
        if not hook.active:
            raise NotFound("Webhook {webhook_id} not found.", webhook_id=webhook_id)
        hook.active = False  # kept for its delivery history; never called again
        _announce(session, caller, hook, "webhook.deleted")
    return None


def deliveries(session, caller, webhook_id, query):
    from nabo_common.api.pagination import PageQuery

    q = load(PageQuery, query)
    hook = _visible_or_404(session, caller, webhook_id)
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
    )
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(dump(schemas.WebhookDelivery, rows, many=True), total, q["limit"], q["offset"])


# --- fan-out ----------------------------------------------------------------------------


def _scope(session, envelope):
    """The associations and network an event concerns."""
    data = envelope["data"]
    associations = set(data.get("association_ids") or ())
    for key in ("association_id", "owner_association_id"):
        if data.get(key):
            associations.add(data[key])
    if envelope.get("association_id"):
        associations.add(envelope["association_id"])
    network_id = data.get("network_id")
    if not associations and data.get("event_id"):
        event = session.get(CalendarEvent, data["event_id"])
        if event is not None:
            associations.update(event.association_ids or ())
            network_id = network_id or event.network_id
    return associations, network_id


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _wire_data(envelope):
    """The event's data as its publisher sent it (ISO dates and times), not the consumer's loaded objects."""
    return validation.dump(envelopes.get_type(envelope["type"]).schema, envelope["data"])


# built once: every event a service publishes looks its webhooks up, and building the query cost more than it
ACTIVE_WEBHOOKS = select(Webhook).where(
    Webhook.active.is_(True), Webhook.association_id.in_(bindparam("association_ids", expanding=True))
)


def enqueue(session, envelope):
    """Queue this event for every subscribed webhook of the associations (and network) it concerns."""
    if envelope["type"] not in SUBSCRIBABLE:
        return 0
    associations, network_id = _scope(session, envelope)
    if not associations:
        return 0
    hooks = [
        h
        for h in session.scalars(ACTIVE_WEBHOOKS, {"association_ids": sorted(associations)})
        if envelope["type"] in h.event_types and (h.network_id is None or h.network_id == network_id)
    ]
    if not hooks:  # nothing to write the body for
        return 0
    body = json.dumps(
        {
            "id": envelope["id"],
            "type": envelope["type"],
            "occurred_at": _iso(envelope["occurred_at"]),
            "data": _wire_data(envelope),
        },
        default=str,
        sort_keys=True,
    )
    now = utcnow()
    rows = [
        {
            "webhook_id": h.id,
            "cause_id": envelope["id"],
            "event_type": envelope["type"],
            "body": body,
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for h in hooks
    ]
    return insert_ignoring_duplicates(session, WebhookDelivery, rows, ["webhook_id", "cause_id"])


# a claimed delivery stays queued, leased through its next_attempt_at: not due while it is being posted
DELIVERIES = WebhookDelivery.__table__
DUE_DELIVERIES = DueRows(
    DELIVERIES,
    due=((DELIVERIES.c.status == "queued") & (DELIVERIES.c.next_attempt_at <= bindparam("now"))),
    order_by=(DELIVERIES.c.id,),
    lease=DELIVERIES.c.next_attempt_at,
)


def dispatch(session, config, limit=20, http=None):
    """POST due deliveries, each outside any transaction; returns how many were posted."""
    http = http or PinnedTransport(config.webhook_allowed_networks)
    now = utcnow()
    lease_until = now + timedelta(seconds=config.lease_seconds)
    with session.begin():
        due = DUE_DELIVERIES.claim(session, now, lease_until, limit)
        if not due:
            return 0
        hook_ids = {delivery.webhook_id for delivery in due}
        hooks = {hook.id: hook for hook in session.scalars(select(Webhook).where(Webhook.id.in_(hook_ids)))}
    decrypt = cipher(config.webhook_keys)
    retries = delivery_retries(config, MAX_ATTEMPTS)
    done = 0
    with RenewedLease(
        DUE_DELIVERIES,
        session.get_bind(),
        [delivery.id for delivery in due],
        lease_until,
        config.lease_seconds,
    ) as lease:
        for delivery in due:
            hook = hooks.get(delivery.webhook_id)
            if hook is None or not hook.active:
                outcome = {"status": "failed", "last_error": "webhook removed"}
            elif lease.expired():
                break  # renewals failed: the rest may be another replica's by now, and are due again
            else:
                outcome = _post(delivery, hook, decrypt, http, retries)
                done += 1
            with lease.held(), session.begin():
                DUE_DELIVERIES.settle(session, delivery.id, lease.until, outcome)
    return done


def _post(delivery, hook, decrypt, http, retries):
    """POST one delivery; returns the row's new values."""
    outcome = {"attempts": delivery.attempts + 1}
    body = delivery.body.encode()
    timestamp = str(int(time.time()))
    try:
        secret = decrypt.decrypt(hook.secret_encrypted.encode()).decode()
    except InvalidToken:
        return dict(outcome, status="failed", last_error="secret cannot be decrypted with NABO_WEBHOOK_KEYS")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "nabo-webhooks/1",
        "X-Nabo-Event-Type": delivery.event_type,
        "X-Nabo-Delivery": f"{hook.id}:{delivery.cause_id}",
        "X-Nabo-Timestamp": timestamp,
        "X-Nabo-Signature": signature(secret, timestamp, body),
    }
    retry = True
    try:
        response = http.post(
            hook.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
        outcome["response_status"] = response.status_code
        if 200 <= response.status_code < 300:
            return dict(outcome, status="sent", sent_at=utcnow(), last_error=None)
        outcome["last_error"] = f"HTTP {response.status_code}"
        retry = response.status_code >= 500 or response.status_code in RETRYABLE_STATUS
    except ForbiddenTarget as exc:
        return dict(outcome, status="failed", last_error=f"refused: {exc}"[:1000])
    except requests.RequestException as exc:
        outcome["last_error"] = f"{type(exc).__name__}: {exc}"[:1000]
    next_attempt_at = retries.next_attempt_at(outcome["attempts"], utcnow()) if retry else None
    if next_attempt_at is None:
        return dict(outcome, status="failed")
    return dict(outcome, next_attempt_at=next_attempt_at)
