"""Print the event catalogue as a Markdown table, from the contracts (``contracts/events``)
and the services' subscriptions (``services/<svc>/subscriptions.py``): every event type,
the service that publishes it, the consumers (``service.handler``; the queue is
``nabo.<service>.<handler>``) and what it means.

    python scripts/event_catalogue.py      # paste into docs/architecture.md
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabo_common.cli import consumer_bindings  # noqa: E402
from nabo_common.messaging.asyncapi import consumers_by_type  # noqa: E402
from nabo_common.messaging.envelopes import REGISTRY  # noqa: E402

SOURCES = ("members", "events", "notifications", "ideas")


def table():
    consumers_of = consumers_by_type(consumer_bindings())  # loads every contract too
    order = {name: i for i, name in enumerate(SOURCES)}
    rows = sorted(REGISTRY.values(), key=lambda t: (order.get(t.source, len(order)), t.source, t.name))
    lines = ["| event type | published by | consumed by | meaning |", "|---|---|---|---|"]
    for etype in rows:
        consumers = ("<br>".join(f"`{c}`" for c in sorted(consumers_of.get(etype.name, ())))
                     or "— (kept in `nabo.events.unrouted`)")
        meaning = " ".join(etype.description.split()).replace("|", "\\|")
        lines.append(f"| `{etype.name}` | {etype.source} | {consumers} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
