"""Statements committed alone (``db.statements_alone``) on a pooled connection that runs transactions too:
switching it to autocommit and back sends nothing to the server besides the work, however often."""
import pytest
from sqlalchemy import create_engine, text

from nabo_common.persistence import db
from tests.support.infra import make_database, pg_admin_url


@pytest.fixture
def engine():
    engine = db.make_engine(make_database("members", migrate=False), pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def last_statement_of():
    admin = create_engine(pg_admin_url().replace("postgresql://", "postgresql+psycopg2://"),
                          isolation_level="AUTOCOMMIT")

    def last_statement(pid):
        with admin.connect() as connection:
            return connection.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"),
                                      {"pid": pid}).scalar()

    yield last_statement
    admin.dispose()


def test_a_connection_switched_to_statements_alone_and_back_sends_only_the_work(engine, last_statement_of):
    alone = db._statements_alone(engine)
    for turn in range(3):
        with engine.begin() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with alone.connect() as connection:
            connection.execute(text(f"SELECT 'alone, turn {turn}'"))
            assert connection.connection.dbapi_connection.autocommit
        # back in the pool, switched back: the server saw nothing after the work
        assert last_statement_of(pid) == f"SELECT 'alone, turn {turn}'"
        with engine.begin() as connection:
            assert connection.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
            assert not connection.connection.dbapi_connection.autocommit
