"""Two workers of one process writing to the same SQLite file (``make run``'s databases).

SQLite waits for a lock held by another connection inside C, where the eventlet hub cannot run: the
worker holding the lock could never finish, and the other failed with "database is locked" after the
busy timeout. Writers of one process take turns on a green lock instead.
"""
import eventlet
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from nabo_common.persistence import db

metadata = MetaData()
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String))


def test_a_writer_waits_for_another_without_stalling_the_process(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'members.db'}")
    metadata.create_all(engine)
    sessions = db.make_sessionmaker(engine)
    ticks = []

    def ticker():
        for _ in range(20):
            ticks.append(1)
            eventlet.sleep(0.01)

    def slow_writer():
        session = sessions()
        with session.begin():
            session.execute(insert(notes).values(text="first"))
            eventlet.sleep(0.2)  # another worker runs meanwhile, as under an RPC call or a slow import
        session.close()

    def quick_writer():
        session = sessions()
        with session.begin():
            session.execute(insert(notes).values(text="second"))
        session.close()

    first = eventlet.spawn(slow_writer)
    eventlet.sleep(0.05)
    second = eventlet.spawn(quick_writer)
    clock = eventlet.spawn(ticker)
    with eventlet.Timeout(10):
        first.wait()
        second.wait()
        clock.wait()
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(notes.c.text))) == ["first", "second"]
    assert len(ticks) == 20
    engine.dispose()
