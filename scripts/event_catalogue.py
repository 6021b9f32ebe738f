"""Print the event catalogue as a Markdown table, from the contracts
(nabo_common.messaging.envelopes.load_contracts()): every event type, the service that
publishes it, the consumers (``service.handler``; the queue is
``nabo.<service>.<handler>``) and what it means.

    python scripts/event_catalogue.py      # paste into docs/architecture.md
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nabo_common.messaging.envelopes import load_contracts  # noqa: E402

SOURCES = ("members", "events", "notifications", "ideas")


def table(registry=None):
    registry = registry if registry is not None else load_contracts()
    order = {name: i for i, name in enumerate(SOURCES)}
    rows = sorted(registry.values(), key=lambda t: (order.get(t.source, len(order)), t.source, t.name))
    lines = ["| event type | published by | consumed by | meaning |", "|---|---|---|---|"]
    for etype in rows:
        consumers = "<br>".join(f"`{c}`" for c in sorted(etype.consumers)) or "— (kept in `nabo.events.unrouted`)"
        meaning = " ".join(etype.description.split()).replace("|", "\\|")
        lines.append(f"| `{etype.name}` | {etype.source} | {consumers} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
