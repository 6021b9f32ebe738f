"""Retention of guests' personal data, shared by the services that keep
copies of it: the retention setting, and anonymisation in batches that
replicas can run side by side.

Each batch is one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED
LIMIT n)`` in its own transaction, so replicas take disjoint rows, and a row
once anonymised no longer matches its candidates, so running again changes
nothing. Works on PostgreSQL and SQLite (which ignores the lock clause)."""
from nameko.extensions import DependencyProvider
from sqlalchemy import update

from nabo_common.runtime import settings as settings_mod
from nabo_common.runtime.settings import _int

ANONYMISED_GUEST_NAME = "Anonymised guest"
DEFAULT_GUEST_RETENTION_DAYS = 365
BATCH = 500


def guest_retention_days(component):
    """``<COMPONENT>_GUEST_RETENTION_DAYS`` or ``GUEST_RETENTION_DAYS``: whole days, at least 1."""
    return _int(component, "GUEST_RETENTION_DAYS", DEFAULT_GUEST_RETENTION_DAYS, minimum=1)


def anonymise_in_batches(session, model, candidates, values, batch=BATCH, then=None):
    """Set ``values`` on the rows whose ids ``candidates`` (a select of ``model.id``) yields, ``batch`` at a
    time; ``then(session, ids)`` runs in each batch's transaction. Returns how many rows were changed.
    ``candidates`` must stop matching a row once ``values`` are set, or this never ends."""
    done = 0
    while True:
        claim = candidates.order_by(model.id).limit(batch).with_for_update(skip_locked=True, of=model)
        with session.begin():
            ids = session.scalars(
                update(model).where(model.id.in_(claim)).values(**values).returning(model.id)
                .execution_options(synchronize_session=False)).all()
            if ids and then is not None:
                then(session, ids)
        done += len(ids)
        if len(ids) < batch:
            return done


class GuestRetentionDays(DependencyProvider):
    """How many days guests' data is kept after their event ended; read at start, a bad value stops the
    service naming the variable."""

    def setup(self):
        try:
            self.days = guest_retention_days(self.container.service_name)
        except settings_mod.ConfigError as exc:
            raise SystemExit(f"nabo: configuration error: {exc}") from None

    def get_dependency(self, worker_ctx):
        return self.days
