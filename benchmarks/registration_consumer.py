"""The notifications side of a registration in-process on PostgreSQL: the consumer of
``registration.confirmed`` and the sending of its mail, in CPU a registration.

    .venv/bin/python -m benchmarks.registration_consumer [--registrations 2000] [--profile]

Guests' registrations over 20 events in one language, as the system benchmark makes them, each
handled as the consumer handles it (its processed-event row, then ``reactions.react`` in one
transaction), then their mail claimed ten rows at a time and sent to an SMTP sink in another process
(``scripts/smtp_sink.py --count-only``). Prints this process's CPU and PostgreSQL's backend's CPU a
registration, and the statements a registration runs (SQLAlchemy's and prepared ones); ``--profile``
adds cProfile on a CPU clock for each half. Needs PostgreSQL (NABO_TEST_PG_URL, as for the
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
from nabo_common.messaging.processed import ProcessedEvents
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
    """CPU of this process and of the session's PostgreSQL backend, and the statements run."""

    def __init__(self, engine, session):
        with session.begin():
            self.backend = session.execute(text("SELECT pg_backend_pid()")).scalar()
        self.statements = 0
        sa_event.listen(engine, "before_cursor_execute", self._count)
        row = prepared.PreparedStatement.row

        def counted(statement, session, params):
            self.statements += 1
            return row(statement, session, params)

        prepared.PreparedStatement.row = counted

    def _count(self, *args):
        self.statements += 1

    def _backend_cpu(self):
        return common.cpu_seconds(self.backend)

    def run(self, title, count, work, profile):
        profiler = cProfile.Profile(time.process_time) if profile else None
        self.statements, backend, cpu = 0, self._backend_cpu(), time.process_time()
        if profiler:
            profiler.enable()
        work()
        if profiler:
            profiler.disable()
        cpu, backend = time.process_time() - cpu, self._backend_cpu() - backend
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
    try:
        time.sleep(1.0)  # the sink starting
        config = replace(config_mod.load(), smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                         public_base_url="https://nabo.example")
        processed = ProcessedEvents(ProcessedEvent)
        association_id = str(uuid.uuid4())

        def handle(message):
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
            while rows := dispatch.claim(session, 10, config.lease_seconds):
                dispatch.send_batch(session, rows, SmtpMailer(config), pacer, config)

        meter.run("sending its mail", len(registrations), send, args.profile)
    finally:
        session.close()
        engine.dispose()
        infra.drop_databases()
        sink.terminate()


if __name__ == "__main__":
    main()
