"""Let a demo meeting request run out (for demo installations only).

    python -m services.events.demo_history --expire-request "Wärmepumpen für Ferienhäuser?"

The demo data is loaded through the API, so no request in it is older than the market's answer time.
This command makes the pending requests with the given message due now; the events service's expiry
timer then expires them as it does any other (meeting_request.expired, the requester mailed). A request
expired or answered already is left as it is, so a second run changes nothing.
"""
import argparse

from sqlalchemy import select

from nabo_common.messaging.outbox import utcnow
from nabo_common.persistence import db
from nabo_common.runtime import settings
from services.events.models import MeetingRequest


def make_due(session, message, now=None):
    """Make the pending requests whose message is ``message`` due at ``now``; returns their ids."""
    now = now or utcnow()
    with session.begin():
        requests = session.scalars(select(MeetingRequest).where(
            MeetingRequest.status == "pending", MeetingRequest.message == message,
            MeetingRequest.expires_at > now).order_by(MeetingRequest.id)).all()
        for request in requests:
            request.expires_at = now
        return [request.id for request in requests]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.events.demo_history")
    parser.add_argument("--expire-request", required=True, metavar="MESSAGE",
                        help="the message of the pending demo request(s) to let run out")
    args = parser.parse_args(argv)
    engine = db.make_engine(settings.load("events").database_url)
    try:
        due = make_due(db.make_sessionmaker(engine)(), args.expire_request)
    finally:
        engine.dispose()
    print(f"nabo: {len(due)} demo meeting request(s) due to expire")


if __name__ == "__main__":
    main()
