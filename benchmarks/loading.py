"""Loading input by marshmallow and by the compiled plans, in-process, on a registration's data.

    python -m benchmarks.loading [--calls 20000] [--rounds 5]

Times the loads a guest registration makes: its body (``RegistrationCreate``, the gateway's check and
the events service's), its link (``RegistrationLink``), the event it publishes
(``envelopes.build`` of ``registration.confirmed`` with its calendar) and the consumer's reading of it
(``envelopes.parse``), each by marshmallow's ``Schema.load`` and by ``nabo_common.api.loading``; us a
call, best of the rounds. Needs nothing running.
"""
import argparse
import json
import time
from unittest import mock

import contracts.events  # noqa: F401  (registers every event type)
from benchmarks import common
from contracts.api.events import RegistrationCreate, RegistrationLink
from nabo_common.api import loading, validation
from nabo_common.messaging import envelopes

BODY = {"name": "Anna Berg", "email": "anna.berg@example.org", "language": "da", "answers": {}}
LINK = {"source_channel": "newsletter", "campaign_code": "spring-26"}


def _by_marshmallow(schema, data):
    return schema.load(data)


def timed(function, calls, rounds):
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = envelopes.REGISTRY["registration.confirmed"].example
    envelope = json.loads(json.dumps(envelopes.build("registration.confirmed", data)))
    body_schema, link_schema = validation.schema(RegistrationCreate), validation.schema(RegistrationLink)
    cases = {
        "registration body": lambda: loading.load(body_schema, dict(BODY)),
        "registration link": lambda: loading.load(link_schema, dict(LINK)),
        "envelopes.build (registration.confirmed)": lambda: envelopes.build("registration.confirmed", data),
        "envelopes.parse (registration.confirmed)": lambda: envelopes.parse(dict(envelope)),
    }
    rows = []
    for name, case in cases.items():
        plan = timed(case, args.calls, args.rounds)
        with mock.patch.object(loading, "load", _by_marshmallow):
            marshmallow = timed(case, args.calls, args.rounds)
        rows.append([name, f"{marshmallow:.1f}", f"{plan:.1f}", f"{marshmallow / plan:.2f}"])
    common.print_table(f"Loading, us a call, best of {args.rounds} rounds of {args.calls:,} calls",
                       ["load", "marshmallow", "plan", "x faster"], rows)


if __name__ == "__main__":
    main()
