"""A prepared statement is planned once per pooled connection of the real PostgreSQL and run by name
after that; a literal ``%`` and a parameter used twice survive the translation."""
import pytest
from sqlalchemy import text

from nabo_common.persistence import db
from nabo_common.persistence.prepared import PreparedStatement
from tests.support import infra

STATEMENT = text("SELECT json_build_object('left', 7 % 4, 'n', :n, 'twice', :n + :m, 'who', :who)::text")


@pytest.fixture(scope="module")
def engine():
    engine = db.make_engine(infra.make_database("members"), pool_size=1)
    try:
        yield engine
    finally:
        engine.dispose()


def _prepared_on_the_server(session):
    return session.execute(text("SELECT name FROM pg_prepared_statements")).scalars().all()


def test_a_statement_is_prepared_once_per_connection_and_run_by_name(engine):
    statement = PreparedStatement(STATEMENT, {"n": "integer", "m": "integer", "who": "text"})
    for n in (1, 2, 3):
        with db.make_sessionmaker(engine)() as session:
            assert statement.scalar(session, {"n": n, "m": 10, "who": "Åsa"}) == \
                f'{{"left" : 3, "n" : {n}, "twice" : {n + 10}, "who" : "Åsa"}}'
            assert _prepared_on_the_server(session).count(statement.name) == 1


def test_a_new_connection_prepares_it_again(engine):
    statement = PreparedStatement(STATEMENT, {"n": "integer", "m": "integer", "who": "text"})
    with db.make_sessionmaker(engine)() as session:
        statement.scalar(session, {"n": 1, "m": 1, "who": "x"})
    engine.dispose()  # the pool's connections closed: their prepared statements go with them
    with db.make_sessionmaker(engine)() as session:
        assert statement.name not in _prepared_on_the_server(session)
        assert statement.scalar(session, {"n": 4, "m": 1, "who": "x"}).startswith('{"left" : 3, "n" : 4')


def test_every_parameter_needs_a_type():
    with pytest.raises(ValueError, match="who"):
        PreparedStatement(STATEMENT, {"n": "integer", "m": "integer"})


def test_its_one_plan_is_kept_after_a_transaction_rolls_back(engine):
    statement = PreparedStatement(STATEMENT, {"n": "integer", "m": "integer", "who": "text"})
    for n in range(7):  # past the five custom plans PostgreSQL would otherwise try first
        with db.make_sessionmaker(engine)() as session:
            statement.scalar(session, {"n": n, "m": 1, "who": "x"})
            session.rollback()
    with db.make_sessionmaker(engine)() as session:
        generic, custom = session.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = :name"),
            {"name": statement.name}).one()
    assert (generic, custom) == (7, 0)
