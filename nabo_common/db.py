"""SQLAlchemy 2 engines and a nameko dependency that hands each worker a session.

nameko-sqlalchemy does not support SQLAlchemy 2, so this is the small
provider: one engine per container, one Session per worker, closed (and
rolled back if left open) when the worker ends. Transactions are opened by
domain code with ``session.begin()`` so a write and its outbox events commit
together.
"""
import os

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import sessionmaker

from nabo_common import outbox
from nabo_common.types import UtcDateTime  # noqa: F401  (re-exported for models)
from nabo_common import settings as settings_mod


def make_engine(url, pool_size=10):
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800)


def make_sessionmaker(engine):
    factory = sessionmaker(bind=engine, expire_on_commit=False, autobegin=True)
    event.listen(factory, "after_commit", outbox.wake_after_commit)
    return factory


def database_reachable(engine):
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, None
    except Exception as exc:  # readiness reports, it never raises
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"


class Database(DependencyProvider):
    """Gives each worker its own Session; the engine is shared by the container."""

    engine = None
    session_factory = None

    def setup(self):
        settings = settings_mod.from_container(self.container)
        self.engine = make_engine(settings.database_url, pool_size=settings.max_workers)
        self.session_factory = make_sessionmaker(self.engine)
        self._sessions = {}

    def stop(self):
        if self.engine is not None:
            self.engine.dispose()

    def get_dependency(self, worker_ctx):
        session = self.session_factory()
        self._sessions[worker_ctx] = session
        return session

    def worker_teardown(self, worker_ctx):
        session = self._sessions.pop(worker_ctx, None)
        if session is not None:
            session.close()


def upsert_insert(session):
    """The dialect's ``insert`` construct, which has ``on_conflict_do_nothing``/``_do_update``
    (PostgreSQL in production, SQLite in unit tests)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
