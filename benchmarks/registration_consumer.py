"""The notifications side of a registration in-process on PostgreSQL: the consumer of
``registration.confirmed`` and the sending of its mail, in CPU a registration.

    .venv/bin/python -m benchmarks.registration_consumer [--registrations 2000] [--profile]
                                                         [--in-transactions]

Guests' registrations over 20 events in one language, as the system benchmark makes them, each
handled as the consumer handles it (``reactions.on_registration_alone``: its reads, then its
processed-event row with the copy and the message in one statement, each committed alone), then their
mail claimed ten rows at a time and sent to an SMTP sink in another process
(``scripts/smtp_sink.py --count-only``), the claims and status changes one statement each committed
alone as the service's dispatcher runs them (``--in-transactions``: all of it in the session's
transactions, as on SQLite). Prints this process's CPU and the CPU of PostgreSQL's backends serving
its database a registration, and the statements a registration runs (SQLAlchemy's and prepared ones);
``--profile`` adds cProfile on a CPU clock for each half. Needs PostgreSQL (NABO_TEST_PG_URL, as for the
integration tests); a fresh database, removed afterwards. To compare two commits, run it in a copy
of each, back to back.
"""
import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import time
import uuid
from dataclasses import replace

from sqlalchemy import event as sa_event
from sqlalchemy import text

from benchmarks import common
from nabo_common.messaging import envelopes
from nabo_common.messaging.outbox import utcnow
from nabo_common.messaging.processed import ProcessedEvents, ProcessedRow
from nabo_common.persistence import db, prepared
from services.notifications import config as config_mod
from services.notifications.domain import dispatch, reactions
from services.notifications.mailer import SmtpMailer
from services.notifications.models import ProcessedEvent
from services.notifications.pacing import SendPacer
from tests.support import infra
from tests.support.payloads import ICS, event_data

CONSUMER = "notifications.on_calendar_activity"
EVENTS = 20


class Meter:
    """CPU of this process and of the PostgreSQL backends serving its database, and the statements run."""

    def __init__(self, engine, session):
        self.session = session
        self.statements = 0
        # also counts what runs on the engine's variants (``db.statements_alone``)
        sa_event.listen(engine, "before_cursor_execute", self._count)
        row = prepared.PreparedStatement.row

        def counted(statement, session, params):
            self.statements += 1
            return row(statement, session, params)

        prepared.PreparedStatement.row = counted

    def _count(self, *args):
        self.statements += 1

    def _backend_cpu(self):
        """Each backend's CPU seconds, by process id (the session's and the autocommit engine's)."""
        with self.session.begin():
            pids = self.session.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars().all()
        self.statements -= 1
        return {pid: common.cpu_seconds(pid) for pid in pids}

    def run(self, title, count, work, profile):
        profiler = cProfile.Profile(time.process_time) if profile else None
        before = self._backend_cpu()
        self.statements, cpu = 0, time.process_time()
        if profiler:
            profiler.enable()
        work()
        if profiler:
            profiler.disable()
        cpu = time.process_time() - cpu
        after = self._backend_cpu()
        backend = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
        print(f"{title}: {cpu * 1000 / count:.3f} ms CPU here, {backend * 1000 / count:.3f} ms in "
              f"PostgreSQL's backend, {self.statements / count:.2f} statements, a registration")
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())


def main():
    parser = argparse.ArgumentParser(prog="python -m benchmarks.registration_consumer")
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--in-transactions", action="store_true",
                        help="handle the registrations and claim and record the mail in the session's "
                             "transactions (as on SQLite) instead of statements committed alone (as the "
                             "service on PostgreSQL)")
    args = parser.parse_args()
    port, http_port = infra.free_port(), infra.free_port()
    sink = subprocess.Popen([sys.executable, "scripts/smtp_sink.py", "--smtp-port", str(port),
                             "--http-port", str(http_port), "--count-only"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        engine = db.make_engine(infra.make_database("notifications"))
    except Exception:
        sink.terminate()
        raise
    session = db.make_sessionmaker(engine)()
    # as the service's consumer and dispatcher: statements committed alone where the work allows
    autocommit_engine = db.statements_alone(session)
    try:
        time.sleep(1.0)  # the sink starting
        config = replace(config_mod.load(), smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                         public_base_url="https://nabo.example")
        processed = ProcessedEvents(ProcessedEvent)
        association_id = str(uuid.uuid4())

        def handle(message):  # as ``handlers.consumer_decorator`` wraps the service's handler
            if not args.in_transactions:
                with db.alone_sessions(autocommit_engine)() as alone:
                    row = ProcessedRow(CONSUMER, message["id"], utcnow())
                    if reactions.on_registration_alone(alone, message, config, row):
                        return
            with session.begin():
                if processed.first_time(session, CONSUMER, message["id"]):
                    reactions.react(session, message, config)

        def envelope(event_type, data):
            return envelopes.parse(envelopes.build(event_type, data, association_id=association_id))

        handle(envelope("association.created", {
            "association_id": association_id, "name": "Erhverv", "slug": association_id[:8], "country": "DK",
            "default_language": "da", "time_zone": "Europe/Copenhagen"}))
        events = [str(uuid.uuid4()) for _ in range(EVENTS)]
        for n, event_id in enumerate(events):
            handle(envelope("event.published",
                            event_data(event_id, association_id, title=f"Grøn omstilling {n}")))
        registrations = [envelope("registration.confirmed", {
            "registration_id": str(uuid.uuid4()), "event_id": events[n % EVENTS],
            "association_ids": [association_id], "person_id": None, "name": f"Gæst {n}",
            "email": f"g{n}@example.org", "language": "da", "status": "confirmed", "source_channel": "email",
            "campaign_code": None, "title": f"Grøn omstilling {n % EVENTS}",
            "starts_at": "2026-03-03T13:00:00+00:00",
            "time_zone": "Europe/Copenhagen", "join_url": "https://meet.example/x", "ics": ICS})
            for n in range(args.registrations)]
        for message in registrations[:50]:  # warm: templates, statements, the pool
            handle(message)
        meter = Meter(engine, session)
        count = len(registrations) - 50
        meter.run("consumer", count, lambda: [handle(m) for m in registrations[50:]], args.profile)
        pacer = SendPacer(config.campaign_send_rate, config.rate_storage_uri)

        def send():
            recovery = dispatch.StaleRecovery()
            alone = None if args.in_transactions else autocommit_engine
            while rows := dispatch.claim(session, 10, config.lease_seconds, recovery=recovery,
                                         autocommit_engine=alone):
                dispatch.send_batch(session, rows, SmtpMailer(config), pacer, config, autocommit_engine=alone)

        meter.run("sending its mail", len(registrations), send, args.profile)
    finally:
        session.close()
        engine.dispose()
        infra.drop_databases()
        sink.terminate()


if __name__ == "__main__":
    main()
