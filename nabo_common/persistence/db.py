"""SQLAlchemy 2 engines and a nameko dependency that hands each worker a session.

nameko-sqlalchemy does not support SQLAlchemy 2, so this is the small
provider: one engine per container, one Session per worker, closed (and
rolled back if left open) when the worker ends. Transactions are opened by
domain code with ``session.begin()`` so a write and its outbox events commit
together.

``Database(read_only=True)`` is for the hot reads (one event, a page of
events, one organisation): its connections run each statement in its own
implicit transaction and refuse writes. A read through a transaction was
BEGIN, the queries and ROLLBACK; here it is the queries alone. Each statement
sees a consistent snapshot; two statements of one read may see a change
committed between them, which a view of an event or organisation tolerates.
"""
import os
import time
from functools import lru_cache

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event, exc, false, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import sessionmaker

from nabo_common.persistence import prepared
from nabo_common.persistence.types import UtcDateTime  # noqa: F401  (re-exported for models)
from nabo_common.runtime import jsoncodec
from nabo_common.runtime import settings as settings_mod

# A connection back in the pool less than this long ago is handed out without a ping. A ping (a round
# trip before every worker's first statement) guards against connections that died while idle, such as
# after a PostgreSQL restart; one that fails in use is found the same way (SQLAlchemy invalidates it and
# the pool's other connections), and its worker fails without having changed anything (503, retried).
PING_AFTER_IDLE_SECONDS = 1.0
_LAST_CHECKIN = "nabo_last_checkin"


def make_engine(url, pool_size=10, read_only=False, autocommit=False, settings=()):
    """``autocommit``: every statement commits on its own, with no BEGIN and COMMIT round trips, on a pool
    of its own (``statements_alone`` gives the same on an engine's pool, for some of its work).
    ``settings``: PostgreSQL settings (``name=value``) every connection of the pool opens with."""
    options = {"isolation_level": "AUTOCOMMIT"} if read_only or autocommit else {}
    # JSON columns (and json_agg) decoded by orjson: psycopg2's own decoding of a page's 150 values was
    # 1.1 of the 14.4 ms the page cost the events service under cProfile
    options["json_deserializer"] = jsoncodec.loads
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)
        if not read_only:
            _take_turns(engine, _turn_of(path))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            cursor.close()

        return engine
    # set when the connection opens, not by a SET in a transaction, which a rollback would undo: see
    # ``prepared.GENERIC_PLANS``
    server_options = " ".join(f"-c {setting}" for setting in (prepared.GENERIC_PLANS, *settings))
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                           connect_args={"options": server_options}, **options)
    _ping_when_idle(engine)
    _switch_autocommit_alone(engine.dialect)
    if read_only:
        @event.listens_for(engine, "connect")
        def _refuse_writes(dbapi_connection, _record):
            dbapi_connection.autocommit = True  # else the SET would open a transaction left open
            cursor = dbapi_connection.cursor()
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            cursor.close()
    return engine


def _switch_autocommit_alone(dialect):
    """Switch a connection to AUTOCOMMIT and back (``statements_alone``) by psycopg2's autocommit flag alone.

    SQLAlchemy switches back to the server's default level by name (READ COMMITTED), and psycopg2, once it
    holds a level by name, sends ``SET default_transaction_isolation TO DEFAULT`` at every later switch and
    names the level in every BEGIN: a round trip for each checkout. nabo runs at the server's default level
    and in autocommit, nothing else; any other level still goes by name."""
    by_name = dialect.set_isolation_level

    def set_isolation_level(dbapi_connection, level):
        if level == "AUTOCOMMIT":
            dbapi_connection.autocommit = True
        elif level == dialect.default_isolation_level and dbapi_connection.isolation_level is None:
            dbapi_connection.autocommit = False
        else:
            by_name(dbapi_connection, level)

    dialect.set_isolation_level = set_isolation_level


class _Turn:
    """One connection at a time to a SQLite file in this process, waited for on the eventlet hub.

    SQLite waits for another connection's write lock inside C, where the hub cannot run: the worker
    holding the lock could never finish and the waiting one failed with "database is locked" after the
    busy timeout. A worker already holding the turn may take another connection (re-entrant); the turn
    goes back when the worker's last connection does, from whichever green thread returns it.
    """

    def __init__(self):
        from eventlet import semaphore  # only SQLite engines need it (tools import this module unpatched)

        self._free = semaphore.Semaphore(1)
        self._owner = None
        self._held = 0

    def take(self):
        from eventlet import greenthread

        me = greenthread.getcurrent()
        if self._owner is not me:
            self._free.acquire()
            self._owner = me
        self._held += 1

    def give_back(self):
        self._held -= 1
        if self._held == 0:
            self._owner = None
            self._free.release()


_turns = {}
_HOLDS_TURN = "nabo_holds_turn"


def _turn_of(path):
    return _turns.setdefault(os.path.abspath(path) if path else ":memory:", _Turn())


def _take_turns(engine, turn):
    @event.listens_for(engine, "checkout")
    def _checked_out(_dbapi_connection, record, _proxy):
        turn.take()
        record.info[_HOLDS_TURN] = True

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        if record.info.pop(_HOLDS_TURN, False):
            turn.give_back()


def begin_before_savepoints(session, table):
    """Make the session's transaction real before its first savepoint. pysqlite opens its transaction only
    before the first write, so a savepoint taken earlier would be the outermost transaction and releasing it
    would commit: on SQLite the transaction starts with a write to ``table`` that changes nothing."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(table).where(false()))


def _ping_when_idle(engine):
    """``pool_pre_ping``, for connections that have been idle: under load a connection is back in use
    within milliseconds, and the ping was one of a read's five round trips. A new one needs none."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info[_LAST_CHECKIN] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info[_LAST_CHECKIN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        last = record.info.get(_LAST_CHECKIN)
        if last is not None and time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure of the ping means: not this connection
            raise exc.DisconnectionError(f"connection failed its ping: {error}") from error
        if not alive:
            raise exc.DisconnectionError("connection failed its ping")


# Hooks every session of make_sessionmaker runs after a commit (``hook(session)``) and after a rollback
# (``hook(session, previous_transaction)``), registered by the modules that need them (the outbox hands
# the rows a commit wrote to its relay), so that this module depends on none of them.
_after_commit_hooks = []
_after_rollback_hooks = []
RUNS_HOOKS = "nabo_runs_session_hooks"  # session.info: the session runs the registered hooks


def register_session_hooks(after_commit, after_rollback):
    """Register hooks that every session of ``make_sessionmaker`` runs after a commit and after a rollback."""
    if after_commit not in _after_commit_hooks:
        _after_commit_hooks.append(after_commit)
        _after_rollback_hooks.append(after_rollback)


def _after_commit(session):
    for hook in _after_commit_hooks:
        hook(session)


def _after_soft_rollback(session, previous_transaction):
    for hook in _after_rollback_hooks:
        hook(session, previous_transaction)


def make_sessionmaker(engine):
    factory = sessionmaker(bind=engine, expire_on_commit=False, autobegin=True, info={RUNS_HOOKS: True})
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_soft_rollback", _after_soft_rollback)
    return factory


def database_reachable(engine):
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, None
    except Exception as exc:  # readiness reports, it never raises
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"


class Database(DependencyProvider):
    """Gives each worker its own Session; the engine is shared by the container. ``read_only``: see the
    module's docstring."""

    engine = None
    session_factory = None

    def __init__(self, read_only=False):
        self.read_only = read_only

    def setup(self):
        settings = settings_mod.from_container(self.container)
        self.engine = make_engine(
            settings.database_url, pool_size=settings.max_workers, read_only=self.read_only
        )
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


def statements_alone(session):
    """On PostgreSQL, ``session``'s engine with each connection, while checked out, committing every
    statement alone: no BEGIN and COMMIT round trips, for work that is one statement, or reads and then
    one statement. The same pool: psycopg2 switches a connection to autocommit and back without a
    statement to the server. None elsewhere (SQLite: the work runs in the session's transactions)."""
    return _statements_alone(session.get_bind()) if on_postgresql(session) else None


@lru_cache(maxsize=16)
def _statements_alone(engine):
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@lru_cache(maxsize=16)
def alone_sessions(engine):
    """Sessions on ``engine`` (one of ``statements_alone``), made once per engine."""
    return make_sessionmaker(engine)


def upsert_insert(session):
    """The dialect's ``insert`` construct, which has ``on_conflict_do_nothing``/``_do_update``
    (PostgreSQL in production, SQLite in unit tests)."""
    return pg_insert if on_postgresql(session) else sqlite_insert


def on_postgresql(session):
    """Whether ``session`` works on PostgreSQL (production) rather than SQLite (``make run``, unit
    tests)."""
    return session.get_bind().dialect.name == "postgresql"
