"""50 people race for the last 10 seats against PostgreSQL: never overbooked."""
import eventlet
import pytest

from tests.integration.events.conftest import admin_caller, events_rpc
from tests.support.infra import running_system
from tests.unit.events.conftest import event_payload


@pytest.fixture(scope="module")
def system(amqp_uri):
    with running_system(amqp_uri, ["events"]) as system:
        yield system


def test_fifty_racing_for_the_last_ten_seats(system):
    admin = admin_caller("8c7f1f0e-3a51-4b7e-9a0e-4f0f2f3b2a01")
    with events_rpc(system, admin) as events:
        event = events.create_event(event_payload(capacity=12))
        events.transition_event(event["id"], {"to": "published"})
        for n in range(2):
            events.register(
                event["id"], {"name": f"Early {n}", "email": f"early{n}@example.org", "person_id": None}
            )

    def register(n):
        # every racer has their own connection, as concurrent gateway workers would
        with events_rpc(system, admin) as racer:
            return racer.register(
                event["id"], {"name": f"Racer {n}", "email": f"racer{n}@example.org", "person_id": None}
            )

    pool = eventlet.GreenPool(50)
    results = list(pool.imap(register, range(50)))

    statuses = [r["status"] for r in results]
    assert statuses.count("confirmed") == 10
    assert statuses.count("waitlisted") == 40
    assert sorted(r["waitlist_position"] for r in results if r["status"] == "waitlisted") == list(
        range(1, 41)
    )
    with events_rpc(system, admin) as events:
        seats = events.get_event(event["id"])["seats"]
        assert seats == {"capacity": 12, "confirmed": 12, "waitlisted": 40, "available": 0}
        # a freed seat goes to the head of the waitlist, once
        confirmed = [r for r in results if r["status"] == "confirmed"]
        head = min((r for r in results if r["status"] == "waitlisted"), key=lambda r: r["waitlist_position"])
        events.cancel_registration(confirmed[0]["id"])
        assert events.get_registration(head["id"])["status"] == "confirmed"
        assert events.get_event(event["id"])["seats"]["confirmed"] == 12
