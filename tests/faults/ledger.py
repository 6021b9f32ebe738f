"""The ledger: every request a scenario sent, and what became of it.

After the system is quiet again each request is classified by its effects:

- registrations (``POST /v1/events/{id}/registrations``, a unique guest e-mail
  each): the row in the events database and the confirmation mail in the SMTP
  sink. An accepted request (201) is *delivered once* with exactly one row and
  one mail, *lost* with none of either, *duplicated* with more than one. A
  refused request (5xx, timeout) must have no effect, or (the caller could not
  know) its whole effect once: a row without its mail is *lost* (half
  applied).
- campaign sends (``POST /v1/campaigns/{id}/send`` answered 202): every
  recipient of the audience gets exactly one mail with the campaign's subject.
- *unexpected*: a row or mail that no request of the scenario explains.
- *conflict with itself*: a registration answered 409 "registered already"
  whose row and mail are its own: a request the broker delivered again after
  a crash, run a second time while its caller still waited.

Every request also has an *outcome*, what its caller got (``outcome_of``):
``201``, ``503 Retry-After`` (refused, retry later), ``503`` (refused without
saying when to retry), ``504``, any other status, ``connection error``,
``no answer`` (the client gave up waiting) or the exception that ended it;
each scenario names the outcomes it allows (never a 500).
"""
import ipaddress
import time
import uuid
from collections import Counter

import eventlet
import requests

from tests.faults.cluster import RPC_TIMEOUT_SECONDS, wait_until

# a client waits longer than the gateway's deadline, so that what it gets is the gateway's answer
CLIENT_TIMEOUT_SECONDS = RPC_TIMEOUT_SECONDS + 15
# the guests' addresses (198.18.0.0/15, set aside for tests of networks), one per guest
GUEST_NETWORK = ipaddress.ip_network("198.18.0.0/15")


def outcome_of(response):
    """What a caller got, as a label: the status, and for a 503 whether it said when to retry."""
    if response.status_code == 503:
        return "503 Retry-After" if response.headers.get("Retry-After") else "503"
    return str(response.status_code)


def outcome_of_error(exc):
    """What a caller got when no answer came: the connection failed, the wait ran out, or anything else
    (named, never hidden)."""
    if isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout):
        return "no answer"
    if isinstance(exc, requests.ConnectionError):
        return "connection error"
    return f"error {type(exc).__name__}: {str(exc)[:200]}"


def outcomes(loads):
    """How many requests of the loads got each outcome."""
    return count_outcomes(r for load in loads for r in load.requests)


def count_outcomes(requests_):
    return Counter(r["outcome"] for r in requests_)


class RegistrationLoad:
    """Guest registrations for one event, ``concurrency`` at a time, in a green thread. Each guest comes
    from an address of its own (``X-Forwarded-For``, which the suite's gateway trusts as production's does
    behind its ingress), so the registration limits count per guest."""

    def __init__(self, gateway_url, event_id, tag, total, concurrency=4, pause=0.0,
                 timeout=CLIENT_TIMEOUT_SECONDS):
        self.gateway_url = gateway_url
        self.event_id = event_id
        self.tag = tag
        self.total = total
        self.concurrency = concurrency
        self.pause = pause
        self.timeout = timeout
        self.requests = []
        self._thread = None
        self._first_guest = uuid.uuid4().int % (GUEST_NETWORK.num_addresses - total)

    def _one(self, n):
        email = f"{self.tag}-{n}-{uuid.uuid4().hex[:6]}@faults.test"
        entry = {"email": email, "status": None, "outcome": None, "id": None, "seconds": None,
                 "sent_at": time.monotonic()}
        self.requests.append(entry)
        address = str(GUEST_NETWORK[self._first_guest + n])
        try:
            r = requests.post(f"{self.gateway_url}/v1/events/{self.event_id}/registrations",
                              json={"name": f"Guest {n}", "email": email, "language": "en"},
                              headers={"X-Forwarded-For": address}, timeout=self.timeout)
            entry["status"] = r.status_code
            entry["outcome"] = outcome_of(r)
            if r.status_code == 201:
                entry["id"] = r.json()["id"]
            elif "json" in r.headers.get("content-type", ""):
                entry["problem"] = r.json().get("title")
        except Exception as exc:  # whatever ended the request is its outcome, counted and asserted on
            if entry["outcome"] is None:
                entry["status"], entry["outcome"] = type(exc).__name__, outcome_of_error(exc)
            else:  # the answer came but could not be read: not an outcome any scenario allows
                entry["outcome"] += f", then {outcome_of_error(exc)}"
        entry["seconds"] = time.monotonic() - entry["sent_at"]
        if self.pause:
            time.sleep(self.pause)

    def start(self):
        pool = eventlet.GreenPool(self.concurrency)
        self._thread = eventlet.spawn(lambda: list(pool.imap(self._one, range(self.total))))
        return self

    def sent(self):
        return len(self.requests)

    def wait(self, timeout=300):
        with eventlet.Timeout(timeout):
            self._thread.wait()
        return self

    def accepted(self):
        return [r for r in self.requests if r["status"] == 201]

    def between(self, start, end):
        """The requests sent in a window of time.monotonic()."""
        return [r for r in self.requests if start <= r["sent_at"] <= end]


def classify_registrations(cluster, sink, loads):
    """Counts of delivered/lost/duplicated/unexpected plus refused-clean and refused-but-applied."""
    requests_ = [r for load in loads for r in load.requests]
    event_ids = {load.event_id for load in loads}
    tag_prefixes = tuple(f"{load.tag}-" for load in loads)
    rows = {}
    for event_id in event_ids:
        for email, count in cluster.query(
            "events",
            "SELECT email, count(*) FROM registrations WHERE event_id = %s GROUP BY email",
            (event_id,),
        ):
            rows[email] = rows.get(email, 0) + count
    mails = {}
    for message in sink.snapshot():
        for address in message["to"]:
            if address.startswith(tag_prefixes):
                mails[address] = mails.get(address, 0) + 1
    # the dispatcher's documented at-most-once choice: a mail found 'sending' after a crash is marked
    # failed ('interrupted ...'), visible to organisers, never sent twice; counted apart, not as lost
    interrupted = {
        email
        for (email,) in cluster.query(
            "notifications",
            "SELECT email FROM deliveries WHERE channel = 'email' AND status = 'failed' "
            "AND last_error LIKE %s",
            ("interrupted%",),
        )
    }
    result = {
        "requests": len(requests_),
        "accepted": 0,
        "delivered": 0,
        "lost": 0,
        "duplicated": 0,
        "unexpected": 0,
        "interrupted": 0,
        "refused_clean": 0,
        "refused_applied": 0,
        "conflict_with_itself": 0,
        "statuses": {},
        "outcomes": dict(outcomes(loads)),
    }
    known = set()
    for r in requests_:
        known.add(r["email"])
        status = str(r["status"])
        result["statuses"][status] = result["statuses"].get(status, 0) + 1
        n_rows, n_mails = rows.get(r["email"], 0), mails.get(r["email"], 0)
        if n_rows > 1 or n_mails > 1:
            result["duplicated"] += 1
        elif r["status"] == 201:
            result["accepted"] += 1
            if (n_rows, n_mails) == (1, 1):
                result["delivered"] += 1
            elif n_rows == 1 and r["email"] in interrupted:
                result["interrupted"] += 1
            else:
                result["lost"] += 1
        elif (n_rows, n_mails) == (0, 0):
            result["refused_clean"] += 1
        elif (n_rows, n_mails) == (1, 1) or (n_rows == 1 and r["email"] in interrupted):
            result["refused_applied"] += 1
            if r["status"] == 409:  # "registered already": by this very request, run a second time
                result["conflict_with_itself"] += 1
        elif n_rows == 1:
            result["lost"] += 1  # applied but its confirmation never came: half applied
        else:
            result["unexpected"] += 1  # a mail without a registration
    result["unexpected"] += len((set(rows) | set(mails)) - known)
    return result


def settle_registrations(cluster, sink, loads, timeout=90):
    """Wait for quiescence: nothing lost any more, outboxes empty, no event waiting for a consumer or for its
    retry, then a short grace for late duplicates."""

    def quiet():
        result = classify_registrations(cluster, sink, loads)
        backlog = sum(cluster.outbox_backlog().values())
        return result if result["lost"] == 0 and backlog == 0 and cluster.events_waiting() == 0 else None

    wait_until(quiet, timeout, interval=0.5)
    time.sleep(2.0)
    return classify_registrations(cluster, sink, loads)


def campaign_mails(sink, subject):
    counts = {}
    for message in sink.snapshot():
        if message["message"]["Subject"] == subject:
            for address in message["to"]:
                counts[address] = counts.get(address, 0) + 1
    return counts


def classify_campaign(cluster, sink, campaign, recipients):
    """Every recipient exactly one mail. A recipient whose row the dispatcher marked failed as
    'interrupted while being sent' (at-most-once by design, visible to the organiser) is counted
    apart as ``interrupted`` unless the mail did arrive."""
    counts = campaign_mails(sink, campaign["subject"])
    interrupted = {
        email
        for (email,) in cluster.query(
            "notifications",
            "SELECT email FROM deliveries WHERE campaign_id = %s AND channel = 'email' "
            "AND status = 'failed' AND last_error LIKE %s",
            (campaign["id"], "interrupted%"),
        )
    }
    result = {
        "recipients": len(recipients),
        "delivered": 0,
        "lost": 0,
        "duplicated": 0,
        "interrupted": 0,
        "unexpected": len(set(counts) - set(recipients)),
    }
    for email in recipients:
        n = counts.get(email, 0)
        if n == 1:
            result["delivered"] += 1
        elif n > 1:
            result["duplicated"] += 1
        elif email in interrupted:
            result["interrupted"] += 1
        else:
            result["lost"] += 1
    return result


def settle_campaign(cluster, sink, campaign, recipients, timeout=90):
    def quiet():
        result = classify_campaign(cluster, sink, campaign, recipients)
        return (
            result
            if result["delivered"] + result["duplicated"] + result["interrupted"] == len(recipients)
            else None
        )

    wait_until(quiet, timeout, interval=0.5)
    time.sleep(2.0)
    return classify_campaign(cluster, sink, campaign, recipients)
