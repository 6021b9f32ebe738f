"""Sending queued e-mail deliveries, safely across replicas and crashes.

A delivery row moves queued → claimed → sending → sent | failed (or back to
queued with a later ``next_attempt_at`` after a temporary failure):

1. ``claim`` takes a batch of due rows and marks them claimed with a lease
   (``nabo_common.persistence.due_rows``: one statement, ``FOR UPDATE SKIP
   LOCKED``), committed at once. Two replicas never claim the same row.
2. For each row: wait for the send rate (campaign mail), mark it sending,
   talk SMTP outside any transaction. Its outcome is committed together with
   the next row's mark as sending (one commit per message); the batch's last
   outcome, and one whose successor must wait for the send rate, is committed
   on its own. So at most one row is sending with its outcome uncommitted.
   On PostgreSQL the service runs a claim without recovery and each commit's
   status changes as one statement on an autocommit engine (``_apply_alone``).
3. The batch's lease (``DELIVERY_LEASE_SECONDS``, 10 s) is renewed while the
   batch is being sent (``nabo_common.persistence.leases``); the row sending
   keeps it. A crash leaves rows claimed or sending until their lease runs
   out, seconds later: a restarted or surviving replica then takes them
   over (it looks for them at most once a second: ``StaleRecovery``).
   Claimed rows were never handed to SMTP: they go back to the queue.
   A row still
   *sending* may or may not have been accepted by the SMTP server before the
   crash. We choose at-most-once: it is marked failed ("interrupted") and not
   sent again, because a second copy of a newsletter is worse than a rare
   missing one, and the row shows up in the campaign's failed list for an
   admin to see. The window is one message per replica: the one on the
   wire, or the one accepted just before whose outcome was still to be
   committed with the next row's start.
"""
import re
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects import postgresql

from nabo_common.persistence import db
from nabo_common.persistence.due_rows import DueRows
from nabo_common.persistence.leases import RenewedLease
from nabo_common.persistence.prepared import PreparedStatement
from services.notifications import mailer as mail
from services.notifications.domain import campaigns as campaigns_mod
from services.notifications.domain import rendering, unsubscribe
from services.notifications.domain.audience import CONSENT_FOR_KIND
from services.notifications.domain.common import delivery_retries, utcnow
from services.notifications.domain.deliveries import (
    CAMPAIGN,
    NETWORK_UNSUBSCRIBE_PLACEHOLDER,
    PUBLIC_BASE_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
)
from services.notifications.models import Association, Campaign, Delivery, Network

DELIVERIES = Delivery.__table__
INTERRUPTED = "interrupted while being sent; not sent again so that nobody receives a second copy"
# stands in for each recipient's own unsubscribe link in the per-language layout
PLACEHOLDER = UNSUBSCRIBE_PLACEHOLDER
# a digest's one-click unsubscribe from the network of one of its items
NETWORK_PLACEHOLDER_RE = re.compile(
    re.escape(NETWORK_UNSUBSCRIBE_PLACEHOLDER) + r"/([0-9a-f-]{36})/([0-9a-f-]*)")


# The claim's statements are built once: building them per batch cost more than running them, and the empty
# claim of every idle tick took 1.4 ms of CPU.
REQUEUE_STALE = (update(DELIVERIES)
                 .where(DELIVERIES.c.status == "claimed", DELIVERIES.c.lease_until < bindparam("now"))
                 .values(status="queued", lease_until=None))
FAIL_INTERRUPTED = (update(DELIVERIES)
                    .where(DELIVERIES.c.status == "sending", DELIVERIES.c.lease_until < bindparam("now"))
                    .values(status="failed", last_error=INTERRUPTED, lease_until=None))
# transactional mail before campaign mail; a claimed row that was never started goes back to the queue
DUE_EMAIL = DueRows(DELIVERIES,
                    due=((DELIVERIES.c.status == "queued") & (DELIVERIES.c.channel == "email")
                         & (DELIVERIES.c.next_attempt_at <= bindparam("now"))),
                    order_by=(DELIVERIES.c.priority, DELIVERIES.c.id), lease=DELIVERIES.c.lease_until,
                    claimed={"status": "claimed"}, released={"status": "queued", "lease_until": None})


# A look for stale rows reads the rows claimed and sending, then the due ones, by plain index scans: they
# mark in the indexes the versions of rows sent since as dead, so that the claims in between, whatever
# scan the planner takes for them, skip them. A bitmap or sequential scan, which the planner takes on
# statistics from before a burst, marks none: every claim and look visited all of them again until a vacuum
PLAIN_INDEX_SCANS = text("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off")


def recover_stale(session, now):
    """Rows whose worker died: never-started ones are queued again, in-flight ones are failed."""
    requeued = session.execute(REQUEUE_STALE, {"now": now}).rowcount
    interrupted = session.execute(FAIL_INTERRUPTED, {"now": now}).rowcount
    return requeued, interrupted


class StaleRecovery:
    """When a replica looks for the rows of dead workers: at its first claim, then at most once every
    ``every``. Each look scans the rows claimed and sending (and, until a vacuum, their dead versions):
    it cost a millisecond of the database per claim while a batch of mail went out, and rows go stale
    only when their lease (seconds) runs out."""

    def __init__(self, every=timedelta(seconds=1)):
        self.every = every
        self._next = None

    def due(self, now):
        if self._next is not None and now < self._next:
            return False
        self._next = now + self.every
        return True


def claim(session, limit, lease_seconds, now=None, recovery=None, autocommit_engine=None):
    """Claim up to ``limit`` due e-mail rows for ``lease_seconds``, after recovering those of dead workers
    (every time, or when ``recovery``, a StaleRecovery, says it is due); returns them (Core rows, in
    sending order). A claim without recovery is one statement: given an ``autocommit_engine``
    (PostgreSQL), it commits by itself, with no BEGIN and COMMIT round trips."""
    now = now or utcnow()
    recover = recovery is None or recovery.due(now)
    lease_until = now + timedelta(seconds=lease_seconds)
    if autocommit_engine is not None and not recover:
        with autocommit_engine.connect() as connection:
            return DUE_EMAIL.claim(connection, now, lease_until, limit)
    with session.begin():
        if recover:
            if db.on_postgresql(session):
                session.execute(PLAIN_INDEX_SCANS)
            recover_stale(session, now)
        return DUE_EMAIL.claim(session, now, lease_until, limit)


class MessageBuilder:
    """Turns a delivery row into a message; the batch's campaigns are loaded once, up front, and each
    campaign is laid out once per language as a template (only the recipient and unsubscribe link differ)."""

    def __init__(self, session, config, rows):
        self.config = config
        self.domain = mail.sender_domain(config.mail_from)
        self.campaigns = {}
        self.templates = {}
        self.networks = {}
        campaign_ids = {row.campaign_id for row in rows if row.campaign_id}
        if campaign_ids:
            with session.begin():
                for campaign in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids))):
                    self.campaigns[campaign.id] = (
                        campaign,
                        session.get(Association, campaign.association_id),
                    )
        network_ids = {row.network_id for row in rows if row.network_id and not row.campaign_id}
        if network_ids:
            with session.begin():
                self.networks = {n.id: (n.name, dict(n.names or {})) for n in session.scalars(
                    select(Network).where(Network.id.in_(network_ids)))}

    def message_id(self, row):
        return mail.message_id(self.domain, "nabo", row.id, row.cause_id)

    def build(self, row):
        """The message written out for SMTP (a PreparedMessage)."""
        common = {"to_email": row.email, "to_name": row.name, "message_id": self.message_id(row)}
        if row.priority != CAMPAIGN:
            text, html, unsubscribe_url = row.text_body, row.html_body, None
            replacements = [(PUBLIC_BASE_PLACEHOLDER, self.config.public_base_url)]
            if row.network_id and row.person_id:
                # one click stops the mail of this network's conversation (RFC 8058)
                unsubscribe_url = unsubscribe.network_link(
                    self.config, row.person_id, row.association_id, row.network_id)
                replacements.append((PLACEHOLDER, unsubscribe_url))
            for placeholder, value in replacements:
                text = text.replace(placeholder, value) if text else text
                html = html.replace(placeholder, value) if html else html
            if row.person_id:
                text, html = (self._network_links(row, body) for body in (text, html))
            return mail.compose(
                mail_from=self.config.mail_from,
                subject=row.subject,
                text=text,
                html=html,
                attachments=row.attachments,
                unsubscribe_url=unsubscribe_url,
                headers={**self._network_list_id(row), **_language_header(row.language)},
                **common,
            )
        campaign, association = self.campaigns[row.campaign_id]
        unsubscribe_url = unsubscribe.link(
            self.config, row.person_id, campaign.association_id, CONSENT_FOR_KIND[campaign.kind], campaign.id
        )
        return self._template(campaign, association, row.language).render(
            unsubscribe_url=unsubscribe_url, **common
        )

    def _network_list_id(self, row):
        """RFC 2919: mail from one network's conversation (a new thread, a reply, an offer beyond the
        network) is a list of that network, ``"<its name in the reader's language>"
        <<network id>.networks.<MAIL_FROM's domain>>``, so readers can filter or mute it; other mail (a
        digest mixing networks) is of no list."""
        if not row.network_id:
            return {}
        name, names = self.networks.get(row.network_id) or ("nabo", {})
        return {"List-Id": mail.list_id(rendering.name_in(row.language, name, names),
                                        f"{row.network_id}.networks.{self.domain}")}

    def _network_links(self, row, body):
        """A digest's items of networks' conversations, each with the recipient's one-click unsubscribe
        from its network."""
        if not body or NETWORK_UNSUBSCRIBE_PLACEHOLDER not in body:
            return body
        return NETWORK_PLACEHOLDER_RE.sub(lambda m: unsubscribe.network_link(
            self.config, row.person_id, m.group(2) or row.association_id, m.group(1)), body)

    def _template(self, campaign, association, language):
        key = (campaign.id, language)
        if key not in self.templates:
            language, subject, body = campaigns_mod.render_for(
                campaign, association, language, self.config.own_link_hosts
            )
            text, html = rendering.wrap(
                language, subject, body, unsubscribe_url=PLACEHOLDER, sender=campaign.sender_name
            )
            self.templates[key] = mail.MessageTemplate(
                mail_from=mail.display_from(campaign.sender_name, self.config.mail_from),
                reply_to=campaign.sender_email,
                subject=subject,
                text=text,
                html=html,
                placeholder=PLACEHOLDER,
                headers={"X-Nabo-Campaign": campaign.code, "List-Id": self._list_id(campaign, association),
                         **_language_header(language)},
            )
        return self.templates[key]

    def _list_id(self, campaign, association):
        """RFC 2919: one list per association and kind of campaign, so readers can filter and mute it."""
        name = f"{association.name if association else 'nabo'} {campaign.kind}"
        return mail.list_id(name, f"{campaign.kind}.{campaign.association_id}.{self.domain}")


def _language_header(language):
    """RFC 3282: the language the message is written in, as mail clients offer to translate by it."""
    return {"Content-Language": language} if language else {}


def _apply(session, *changes):
    """Apply ``(row id, expected status, new values)`` changes (None: nothing) in one transaction."""
    with session.begin():
        return _apply_in_transaction(session, *changes)


def _apply_in_transaction(session, *changes):
    """Returns the changes' row counts: 0 where the row was no longer in the expected state."""
    # Core statements, no session synchronisation: the batch's rows in the session are not consulted again;
    # on PostgreSQL one statement prepared once per connection, since every message sent runs one
    if db.on_postgresql(session):
        return _in_one_statement(session, changes)
    return [
        session.execute(
            _status_change(tuple(values)), {"row_id": row_id, "expected": status, **values}
        ).rowcount
        for row_id, status, values in filter(None, changes)
    ]


def _apply_alone(autocommit_engine, *changes):
    """``_apply`` as one statement on ``autocommit_engine`` (PostgreSQL): atomic by itself, committed with
    no BEGIN and COMMIT round trips, which were two of the four a message's status changes took."""
    if not any(changes):
        return []
    with autocommit_engine.connect() as connection:
        return _in_one_statement(connection, changes)


def _in_one_statement(executor, changes):
    """The changes' row counts, the changes made by one prepared statement on ``executor`` (a Session in
    its transaction, or a Connection)."""
    changes = [change for change in changes if change]
    if not changes:
        return []
    params = {}
    for n, (row_id, status, values) in enumerate(changes):
        params.update({f"c{n}_row_id": row_id, f"c{n}_expected": status},
                      **{f"c{n}_{column}": value for column, value in values.items()})
    statement = _prepared_status_changes(tuple(tuple(values) for _row_id, _status, values in changes))
    return list(statement.row(executor, params))


@lru_cache(maxsize=32)
def _status_change(columns):
    """``UPDATE deliveries SET <columns> WHERE id = :row_id AND status = :expected``, built once per set of
    columns (there are a handful): building it per message was most of the Python a sent message cost."""
    return (
        update(DELIVERIES)
        .where(DELIVERIES.c.id == bindparam("row_id"), DELIVERIES.c.status == bindparam("expected"))
        .values({column: bindparam(column) for column in columns})
    )


LENGTH_RE = re.compile(r"\(\d+\)")


@lru_cache(maxsize=64)
def _prepared_status_changes(column_sets):
    """The UPDATEs of ``_status_change``, one for each set of columns, in one statement (each a CTE of its
    own: the rows are distinct), naming how many rows each changed."""
    changes, types = [], {}
    for n, columns in enumerate(column_sets):
        assignments = ", ".join(f"{column} = :c{n}_{column}" for column in columns)
        changes.append(f"c{n} AS (UPDATE {DELIVERIES.name} SET {assignments}"
                       f" WHERE id = :c{n}_row_id AND status = :c{n}_expected RETURNING id)")
        types.update({f"c{n}_{column}": _parameter_type(column) for column in columns})
        types.update({f"c{n}_row_id": "bigint", f"c{n}_expected": "varchar"})
    counts = ", ".join(f"(SELECT CAST(count(*) AS integer) FROM c{n})" for n in range(len(column_sets)))
    return PreparedStatement(text(f"WITH {', '.join(changes)} SELECT {counts}"), types)


def _parameter_type(column):
    # the type without its length: a parameter declared VARCHAR(12) would cut a longer value short
    return LENGTH_RE.sub("", DELIVERIES.c[column].type.compile(dialect=postgresql.dialect()))


def _outcome_of_sending(mailer, message, row, config):
    """Send one message; returns its outcome ("sent", "retry" or "failed") and the row's new values."""
    try:
        mailer.send(message)
    except mail.TemporaryFailure as exc:
        retries = delivery_retries(config, config.delivery_max_attempts)
        next_attempt_at = retries.next_attempt_at(row.attempts + 1, utcnow())
        if next_attempt_at is None:
            return "failed", {"status": "failed", "last_error": str(exc), "lease_until": None}
        return "retry", {
            "status": "queued",
            "last_error": str(exc),
            "lease_until": None,
            "next_attempt_at": next_attempt_at,
        }
    except mail.PermanentFailure as exc:
        return "failed", {"status": "failed", "last_error": str(exc), "lease_until": None}
    message_id = message.message_id if isinstance(message, mail.PreparedMessage) else message["Message-ID"]
    return "sent", {
        "status": "sent",
        "sent_at": utcnow(),
        "message_id": message_id,
        "last_error": None,
        "lease_until": None,
    }


def send_batch(session, rows, mailer, pacer, config, autocommit_engine=None):
    """Send claimed rows one by one; returns a dict of outcome counts.

    One commit per message: a message's outcome is recorded in the same transaction that marks the next
    one sending, so at most one row is ever sending and its outcome uncommitted. The last outcome, and
    one that would otherwise wait for the send rate, is committed on its own. The batch's lease is
    renewed while it is sent; the row sending carries it too. Given an ``autocommit_engine``
    (PostgreSQL), each such transaction is one statement that commits by itself (``_apply_alone``)."""
    builder = MessageBuilder(session, config, rows)
    outcome = {"sent": 0, "retry": 0, "failed": 0}
    settled = None  # the last message's outcome, not committed yet
    lease = RenewedLease(
        DUE_EMAIL,
        session.get_bind(),
        [row.id for row in rows],
        rows[0].lease_until if rows else utcnow(),
        config.lease_seconds,
    )

    def apply(*changes):  # not while a renewal writes the same rows (two transactions would deadlock)
        with lease.held():
            if autocommit_engine is not None:
                return _apply_alone(autocommit_engine, *changes)
            return _apply(session, *changes)

    try:
        with lease:
            for row in rows:
                try:
                    message = builder.build(row)
                except Exception as exc:  # a message that cannot be built never will be: record it, go on
                    apply(
                        settled,
                        (
                            row.id,
                            "claimed",
                            {
                                "status": "failed",
                                "lease_until": None,
                                "last_error": f"cannot build: {exc}"[:1000],
                            },
                        ),
                    )
                    settled = None
                    outcome["failed"] += 1
                    continue
                if row.priority == CAMPAIGN and not pacer.try_acquire():
                    apply(settled)  # not left sending for as long as the send rate makes us wait
                    settled = None
                    pacer.wait()
                if lease.expired():
                    break  # renewals failed (a stall, the database away): the rest may be another replica's
                *_, started = apply(
                    settled, (row.id, "claimed", {"status": "sending", "attempts": row.attempts + 1})
                )
                settled = None
                if not started:
                    continue  # no longer ours (lease ran out and another replica took it)
                result, values = _outcome_of_sending(mailer, message, row, config)
                settled = (row.id, "sending", values)
                outcome[result] += 1
            apply(settled)
    except Exception:
        # a database or broker hiccup: record the last outcome and hand back what this batch has not started,
        # rather than wait for the lease
        with lease.held(), session.begin():
            _apply_in_transaction(session, settled)
            if rows:
                DUE_EMAIL.release(session, [row.id for row in rows], lease.until, utcnow())
        raise
    finally:
        mailer.close()
    return outcome


def batch_size(config):
    """About two seconds of campaign mail per batch, so replicas share the work and ticks stay short."""
    return int(max(10, min(500, config.campaign_send_rate * 2)))
