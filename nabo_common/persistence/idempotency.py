"""Idempotent calls: a write that came with an Idempotency-Key records the key
and its result in its own transaction, so a retry of a call whose answer was
lost (the gateway answered 504, the work had committed) returns that result
instead of writing a second time.

The gateway scopes the client's key to its caller, method and path and puts it
in the call's context with the number of seconds it is kept
(``nabo_common.runtime.context.IDEMPOTENCY_KEY``/``IDEMPOTENCY_TTL``). Each
service's model module declares ``class IdempotentCall(IdempotentCallMixin,
Base)`` so the table lives in the service's own database; its entrypoints hand
the ``IdempotencyKey`` dependency to the domain functions that write, which
run their write through ``once`` inside their transaction:

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_programme", write)
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from nameko.extensions import DependencyProvider
from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from nabo_common.persistence import db
from nabo_common.persistence.types import UtcDateTime
from nabo_common.runtime import jsoncodec
from nabo_common.runtime.context import IDEMPOTENCY_KEY, IDEMPOTENCY_TTL

SCOPED_KEY_RE = re.compile(r"^[0-9a-f]{64}$")  # the gateway's sha256 of scope, method, path and key
DEFAULT_TTL_SECONDS = 24 * 3600


def utcnow():
    return datetime.now(timezone.utc)


class IdempotentCallMixin:
    """A call's scoped key and operation, and its result once the call's transaction commits. The primary
    key makes a concurrent second call wait for the first and then find its result."""

    __tablename__ = "idempotent_calls"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    operation: Mapped[str] = mapped_column(String(100), primary_key=True)
    result: Mapped[str | None] = mapped_column(Text)  # the RPC's result as its message carried it
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, index=True)


@dataclass(frozen=True)
class CallKey:
    key: str
    ttl_seconds: int


class IdempotencyKey(DependencyProvider):
    """The call's scoped Idempotency-Key (a ``CallKey``), or None when it came without one."""

    def get_dependency(self, worker_ctx):
        key = worker_ctx.data.get(IDEMPOTENCY_KEY)
        if not isinstance(key, str) or not SCOPED_KEY_RE.match(key):
            return None
        ttl = worker_ctx.data.get(IDEMPOTENCY_TTL)
        return CallKey(key, ttl if isinstance(ttl, int) and ttl > 0 else DEFAULT_TTL_SECONDS)


@dataclass(frozen=True)
class Replay:
    result: object


class IdempotentCalls:
    """``once`` (``replayed`` then ``keep``) for one service's ``IdempotentCall`` model; it runs inside the
    write's transaction and does nothing for a call without a key."""

    def __init__(self, model):
        self.model = model
        self.table = model.__table__

    def replayed(self, session, call_key, operation, now=None):
        """A ``Replay`` of the result an earlier call with this key committed, else None after claiming the
        key for this call. A concurrent call with the key waits here until the first one's transaction
        ends."""
        if call_key is None:
            return None
        now = now or utcnow()
        expires_at = now + timedelta(seconds=call_key.ttl_seconds)
        values = {"key": call_key.key, "operation": operation, "result": None, "expires_at": expires_at}
        claimed = session.execute(
            db.upsert_insert(session)(self.table)
            .values(values)
            .on_conflict_do_nothing()
            .returning(self.table.c.key)
        ).all()
        if claimed:
            return None
        row = session.execute(
            select(self.table.c.result, self.table.c.expires_at)
            .where(self.table.c.key == call_key.key, self.table.c.operation == operation)
            .with_for_update()
        ).one()
        if row.expires_at > now and row.result is not None:
            return Replay(jsoncodec.wire_loads(row.result))
        # expired: the key names a new call now
        session.execute(
            self.table.update()
            .where(self.table.c.key == call_key.key, self.table.c.operation == operation)
            .values(values)
        )
        return None

    def once(self, session, call_key, operation, write):
        """``write()``'s result, kept for the key; a retry with the key gets the kept result and
        ``write`` is not called again. Runs inside the caller's transaction."""
        replay = self.replayed(session, call_key, operation)
        if replay is not None:
            return replay.result
        return self.keep(session, call_key, operation, write())

    def keep(self, session, call_key, operation, result):
        """Record ``result`` for the key this call claimed; returns ``result``."""
        if call_key is not None:
            session.execute(
                self.table.update()
                .where(self.table.c.key == call_key.key, self.table.c.operation == operation)
                .values(result=jsoncodec.wire_dumps(result).decode("utf-8"))
            )
        return result

    def forget_expired(self, session, now=None):
        """Delete the keys past their time (their results name people); returns how many."""
        with session.begin():
            return session.execute(
                delete(self.table).where(self.table.c.expires_at <= (now or utcnow()))
            ).rowcount
