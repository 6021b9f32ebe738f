"""A guest registration in-process on PostgreSQL: its statements, round trips and CPU.

    python -m benchmarks.registration_round_trips [--registrations 2000] [--rounds 3] [--before REVISION]

Calls ``registrations.register`` as the service's worker does (a session of its own, the caller's
Idempotency-Key, the outbox rows handed to a relay at commit) for guests spread over 20 events, half
of them without a capacity (as the system benchmark's) and half full after their first five seats,
so that confirmations and waitlistings both count. Prints, per registration: the statements sent
(every cursor's ``execute``), the round trips (those, the ``BEGIN`` psycopg2 sends before the first
and the ``COMMIT``), the CPU of this process (``time.process_time``) and of the PostgreSQL backend
that served it (``/proc``, so the server must run on this machine). With ``--before`` the same is
measured on that revision's tree (from ``git archive``, in a process of its own), the two alternating
round by round on databases of their own. Needs PostgreSQL (NABO_TEST_PG_URL, as for the integration
tests); the databases are removed afterwards.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from benchmarks import common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS = 20
ROOMY, FULL_AFTER = None, 5


class Relay:
    """What the service's relay is to the outbox: a taker of committed rows (here it drops them)."""

    def __init__(self, model):
        self.model = model

    def hand_over(self, rows):
        pass


def _backend_cpu_ms(pid):
    return common.cpu_seconds(pid) * 1000


def measure(registrations):
    """One round in this process on a fresh database; a dict of figures per registration."""
    import psycopg2.extensions
    from sqlalchemy import event as sa_event
    from sqlalchemy import text

    from nabo_common.messaging import outbox
    from nabo_common.persistence import db
    from nabo_common.persistence.idempotency import CallKey
    from nabo_common.runtime.context import ASSOCIATION_ADMIN, Caller
    from services.events.domain import lifecycle
    from services.events.domain import registrations as domain
    from services.events.models import OutboxEvent
    from tests.support import infra

    url = infra.make_database("events")
    engine = db.make_engine(url, pool_size=1)
    statements = []

    class CountingCursor(psycopg2.extensions.cursor):
        """Counts what the connection sends, SQLAlchemy's statements and prepared ones alike."""

        def execute(self, query, params=None):
            statements.append(query)
            return super().execute(query, params)

    @sa_event.listens_for(engine, "connect")
    def _count(dbapi_connection, _record):
        dbapi_connection.cursor_factory = CountingCursor

    sessions = db.make_sessionmaker(engine)
    relay = Relay(OutboxEvent)
    outbox.register_relay(engine.url, relay)
    association = str(uuid.uuid4())
    admin = Caller(person_id=str(uuid.uuid4()), roles=(ASSOCIATION_ADMIN,), admin_of=(association,))
    try:
        event_ids = []
        for n in range(EVENTS):
            session = sessions()
            payload = {
                "title": f"Financing for growth {n}", "format": "online", "languages": ["da"],
                "themes": ["financing"], "starts_at": "2030-01-07T09:00:00+00:00",
                "ends_at": "2030-01-07T11:00:00+00:00", "time_zone": "Europe/Copenhagen",
                "join_url": "https://meet.example/abc", "capacity": ROOMY if n % 2 else FULL_AFTER,
            }
            created = lifecycle.create(session, admin, payload)
            lifecycle.transition(session, admin, created["id"], {"to": "published"})
            session.close()
            event_ids.append(created["id"])
        with engine.connect() as connection:
            backend = connection.scalar(text("SELECT pg_backend_pid()"))
        guest = Caller()

        def register(n):
            session = sessions()
            try:
                call_key = CallKey(uuid.uuid4().hex * 2, 3600)
                payload = {"name": f"Gæst {n}", "email": f"guest{n}@example.org", "language": "en"}
                return domain.register(session, guest, event_ids[n % EVENTS], payload, call_key=call_key)
            finally:
                session.close()

        for n in range(200):  # warm: statement caches, calendars, the connection
            register(n)
        del statements[:]
        cpu, server = time.process_time(), _backend_cpu_ms(backend)
        statuses = [register(n)["status"] for n in range(200, 200 + registrations)]
        cpu, server = time.process_time() - cpu, _backend_cpu_ms(backend) - server
        return {
            "statements": len(statements) / registrations,
            "round_trips": len(statements) / registrations + 2,  # and the BEGIN and COMMIT of each
            "cpu_ms": cpu * 1000 / registrations,
            "postgresql_ms": server / registrations,
            "waitlisted": statuses.count("waitlisted") / registrations,
        }
    finally:
        outbox.unregister_relay(engine.url, relay)
        engine.dispose()
        infra.drop_databases()


def _tree(revision, into):
    archive = subprocess.run(["git", "-C", ROOT, "archive", revision], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def _round_in(tree, registrations):
    """One round measured by a process whose imports come from ``tree``."""
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", str(registrations)],
        cwd=tree, env=env, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", help="a revision to measure beside this tree, round by round")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"this tree": ROOT}
        if args.before:
            trees = {args.before: _tree(args.before, scratch), **trees}
        results = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                results[name].append(_round_in(tree, args.registrations))
    print(f"{args.registrations} guest registrations a round, medians of {args.rounds} rounds "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"{'tree':<12} {'statements':>10} {'round trips':>11} {'CPU ms':>7} {'PostgreSQL ms':>13} "
          f"{'waitlisted':>10}")
    for name, rounds in results.items():
        median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
        print(f"{name:<12} {median['statements']:>10.2f} {median['round_trips']:>11.2f} "
              f"{median['cpu_ms']:>7.3f} {median['postgresql_ms']:>13.3f} {median['waitlisted']:>10.2f}")


if __name__ == "__main__":
    main()
