"""A network's conversation at scale: 5,000 members and 50,000 posts in PostgreSQL.

    .venv/bin/python -m benchmarks.conversations [--members 5000] [--posts 50000] [--seconds 10]
        [--before REVISION] [--rounds 1] [--skip-notifications]

Seeds the members database (one public network, its members, threads of 25 posts) and the notifications
read model (the same members), starts the members service, the gateway and the bare HTTP -> RPC echo
(benchmarks/baseline.py) as processes of their own, and prints, at 10 clients:

- the bare echo, a thread's page (``GET /v1/threads/{id}/posts?limit=50``) and the network's list of
  threads (``GET /v1/networks/{id}/threads?limit=20``), anonymous readers of the public network, with
  p50/p95 and each p95 as a ratio to the echo's of the same run; with ``--before REVISION``, the same reads
  also from that revision's members service and gateway (its tree from ``git archive``, on a vhost of its
  own, on the same database), each before/after pair run back to back, in ``--rounds`` rounds (medians);
- a new thread's notifications to all members (``post.created`` applied by the notifications service's
  reaction in one transaction, as its consumer does): the time, and the deliveries and inbox items
  written.

Figures only; nothing is asserted.
"""
import argparse
import statistics
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from benchmarks import common
from benchmarks.seeding import insert_in_batches, settle
from nabo_common.persistence import db
from services.members import models as members
from services.notifications import models as notifications
from services.notifications.domain import conversations
from tests.support import infra

CLIENTS = 10
POSTS_PER_THREAD = 25
KINDS = ("question", "announcement", "opportunity")


def seed_members(url, member_count, post_count):
    """The network, its members and threads; returns (network id, thread ids, member ids, association id)."""
    engine = db.make_engine(url)
    now = datetime.now(timezone.utc)
    association_id, network_id = str(uuid.uuid4()), str(uuid.uuid4())
    people = [str(uuid.uuid4()) for _ in range(member_count)]
    with engine.begin() as conn:
        conn.execute(members.Association.__table__.insert(), [dict(
            id=association_id, name="Benchmark SE", slug=f"bench-{uuid.uuid4().hex[:8]}", country="SE",
            default_language="sv", time_zone="Europe/Stockholm", created_at=now, updated_at=now)])
        insert_in_batches(conn, members.Person.__table__, [dict(
            id=pid, home_association_id=association_id, name=f"Paddler {i:05d}",
            email=f"paddler-{i}-{pid[:6]}@nabo.test", language=("sv", "en", "de", "nl", "da")[i % 5],
            password_hash=None, is_platform_admin=False, created_at=now, updated_at=now)
            for i, pid in enumerate(people)])
        conn.execute(members.Network.__table__.insert(), [dict(
            id=network_id, name={"sv": "Kajaknätverket", "en": "Kayak network"}, description={},
            search_text="kajaknätverket\nkayak network", languages=",en,sv,", join_policy="open",
            visibility="public", activity="active", eligible_association_ids=[], created_at=now,
            updated_at=now, last_activity_at=now)])
        conn.execute(members.NetworkOwner.__table__.insert(), [dict(
            network_id=network_id, association_id=association_id, status="active", created_at=now)])
        insert_in_batches(conn, members.NetworkMember.__table__, [dict(
            id=str(uuid.uuid4()), network_id=network_id, person_id=pid,
            role="convener" if i == 0 else "member", status="active") for i, pid in enumerate(people)])
        threads, posts = [], []
        start = now - timedelta(days=365)
        for t in range(post_count // POSTS_PER_THREAD):
            thread_id, opened = str(uuid.uuid4()), start + timedelta(minutes=10 * t)
            threads.append(dict(
                id=thread_id, network_id=network_id, kind=KINDS[t % 3], title=f"Thread {t}",
                author_id=people[t % member_count], locked=False, created_at=opened,
                last_activity_at=opened + timedelta(minutes=POSTS_PER_THREAD)))
            for p in range(POSTS_PER_THREAD):
                posts.append(dict(
                    id=str(uuid.uuid4()), thread_id=thread_id, network_id=network_id, reply_to_id=None,
                    opening=p == 0, author_id=people[(t + p) % member_count],
                    body=f"Post {p} of thread {t}: " + "paddla " * 20, themes=[], links=[],
                    hidden=p % 50 == 7, deleted=False, erased=False,
                    created_at=opened + timedelta(minutes=p)))
        insert_in_batches(conn, members.Thread.__table__, threads)
        insert_in_batches(conn, members.Post.__table__, posts)
    settle(engine)
    engine.dispose()
    return network_id, [t["id"] for t in threads], people, association_id


def seed_notifications(url, network_id, people, association_id):
    engine = db.make_engine(url)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(notifications.Association.__table__.insert(), [dict(
            id=association_id, name="Benchmark SE", default_language="sv", time_zone="Europe/Stockholm")])
        conn.execute(notifications.Network.__table__.insert(), [dict(
            id=network_id, name="Kayak network", association_ids=[association_id])])
        insert_in_batches(conn, notifications.Contact.__table__, [dict(
            person_id=pid, name=f"Paddler {i:05d}", email=f"paddler-{i}@nabo.test",
            language=("sv", "en", "de", "nl", "da")[i % 5], home_association_id=association_id, admin_of=[],
            erased=False, updated_at=now) for i, pid in enumerate(people)])
        insert_in_batches(conn, notifications.NetworkMember.__table__, [dict(
            network_id=network_id, person_id=pid) for pid in people])
    settle(engine)
    return engine


def fan_out(engine, network_id, people, association_id, mode):
    """One new thread's notifications to every member, in one transaction; (seconds, deliveries, inbox)."""
    factory = db.make_sessionmaker(engine)
    session = factory()
    if mode != "daily":
        with session.begin():
            session.execute(notifications.NetworkPreference.__table__.delete())
            session.execute(notifications.NetworkPreference.__table__.insert(), [dict(
                person_id=pid, network_id=network_id, mode=mode, updated_at=datetime.now(timezone.utc))
                for pid in people])
    envelope = {"id": str(uuid.uuid4()), "type": "post.created", "association_id": association_id, "data": {
        "post_id": str(uuid.uuid4()), "thread_id": str(uuid.uuid4()), "network_id": network_id,
        "network_name": "Kayak network", "network_names": {"sv": "Kajaknätverket"},
        "association_ids": [association_id], "author_person_id": people[1], "kind": "question",
        "title": "Who rents sea kayaks in May?", "themes": [], "opening": True, "reply_to_id": None,
        "reply_to_author_person_id": None, "thread_author_person_id": people[1], "mentioned_person_ids": [],
        "network_dormant": False, "convener_person_ids": []}}
    started = time.perf_counter()
    with session.begin():
        conversations.on_post_created(session, envelope)
    seconds = time.perf_counter() - started
    deliveries = session.scalar(select(func.count()).select_from(notifications.Delivery)
                                .where(notifications.Delivery.cause_id == envelope["id"]))
    inbox = session.scalar(select(func.count()).select_from(notifications.InboxItem)
                           .where(notifications.InboxItem.cause_id == envelope["id"]))
    session.close()
    return seconds, deliveries, inbox


def revision_tree(revision, into):
    """``revision``'s source tree, unpacked into the directory ``into``."""
    archive = subprocess.run(["git", "archive", revision], cwd=common.ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return into


def measure_reads(clusters, network_id, thread_ids, seconds, rounds):
    """Rows of the read table: the echo, then each read from every cluster (``{label: cluster}``, this
    tree's labelled "") back to back, medians over ``rounds``; each p95 as a ratio to the echo's of its
    round."""
    pages = [f"/v1/threads/{t}/posts?limit=50" for t in thread_ids[::7][:200]]
    lists = [f"/v1/networks/{network_id}/threads?limit=20{more}" for more in ("", "&offset=20")]
    main = clusters[""]
    cases = [("bare HTTP -> RPC echo", "", "baseline-http", ["/echo?v=x"])]
    for read, paths in (("thread page (50 posts)", pages), ("network's threads (20)", lists)):
        cases += [(f"{read}{label}", label, "gateway", paths) for label in clusters]
    results = {case[0]: [] for case in cases}
    for _ in range(rounds):
        echo_p95 = None
        for name, label, component, paths in cases:
            base = main.url(component) if component != "gateway" else \
                clusters[label].url("gateway" if label == "" else "gateway-before")
            result = common.run_load(base, paths, CLIENTS, seconds)
            echo_p95 = echo_p95 or result["p95_ms"]
            results[name].append(dict(result, ratio=result["p95_ms"] / echo_p95))
    rows = []
    for name, *_ in cases:
        runs = results[name]

        def median(key, runs=runs):
            return statistics.median(r[key] for r in runs)

        rows.append([name, CLIENTS, f"{median('rps'):.0f}", f"{median('p50_ms'):.1f}",
                     f"{median('p95_ms'):.1f}", f"{median('ratio'):.1f}",
                     str(sum(r["errors"] for r in runs))])
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=50000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--before", metavar="REVISION",
                        help="also measure the reads of this git revision (e.g. HEAD~1), back to back")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the reads; medians are printed")
    parser.add_argument("--skip-notifications", action="store_true", help="the reads alone")
    args = parser.parse_args()
    print(common.machine_load())
    with ExitStack() as stack:
        amqp = stack.enter_context(common.private_vhost())
        clusters = {}
        try:
            members_url = infra.make_database("members")
            notifications_url = infra.make_database("notifications")
            started = time.perf_counter()
            network_id, thread_ids, people, association_id = seed_members(
                members_url, args.members, args.posts)
            notifications_engine = seed_notifications(notifications_url, network_id, people, association_id)
            print(f"seeded {args.members} members, {len(thread_ids)} threads, {args.posts} posts "
                  f"in {time.perf_counter() - started:.1f} s")

            clusters[""] = cluster = common.Cluster(amqp, {"members": members_url})
            cluster.start("members")
            cluster.start("gateway")
            cluster.start_baseline()
            if args.before:
                label = f" [{args.before}]"
                tree = revision_tree(args.before, stack.enter_context(tempfile.TemporaryDirectory()))
                clusters[label] = before = common.Cluster(
                    stack.enter_context(common.private_vhost()), {"members": members_url}, root=tree)
                before.start("members", name="members-before")
                before.start("gateway", name="gateway-before")
                clusters = {label: before, "": cluster}  # each pair: the revision's first, then this tree's
                before.wait_ready()
            cluster.wait_ready()
            rows = measure_reads(clusters, network_id, thread_ids, args.seconds, args.rounds)
            common.print_table(f"reads of a network of {args.members} members and {args.posts} posts"
                               + (f", median of {args.rounds} rounds" if args.rounds > 1 else ""),
                               ["path", "clients", "req/s", "p50 ms", "p95 ms", "p95 x echo", "errors"], rows)
            if args.skip_notifications:
                return

            rows = []
            for mode in ("daily", "every_post"):
                seconds, deliveries, inbox = fan_out(notifications_engine, network_id, people, association_id,
                                                     mode)
                rows.append([mode, f"{seconds:.2f}", str(deliveries), str(inbox),
                             f"{1000 * seconds / max(1, args.members - 1):.2f}"])
            title = f"a new thread's notifications to {args.members - 1} members in one transaction"
            common.print_table(title,
                               ["members' mode", "seconds", "deliveries", "inbox items", "ms per member"],
                               rows)
            notifications_engine.dispose()
        finally:
            for each in clusters.values():
                each.stop_all()
            infra.drop_databases()


if __name__ == "__main__":
    main()
