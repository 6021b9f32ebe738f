"""Matchmaking speed with 10,000 organisations in PostgreSQL.

    /work/venv/bin/python -m benchmarks.matchmaking [--organisations 10000] [--calls 200]

Seeds a private database (three associations across the border, organisations
with profile, offer and need themes, one contact person each, some withdrawn
contact consents, networks), then prints p50/p95 of the domain call
(matchmaking.suggest) and of GET /v1/organisations/{id}/matches through the
gateway, each also as a ratio to a bare nameko RPC round trip measured in the
same run. Figures only; nothing is asserted.
"""
from nabo_common import patch

patch.apply()

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

import requests  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.rpc import rpc  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from nabo_common import db  # noqa: E402
from nabo_common.cli import load_service_class  # noqa: E402
from nabo_common.context import MEMBER, Caller  # noqa: E402
from services.members.domain import matchmaking  # noqa: E402
from services.members.domain.accounts import hash_password  # noqa: E402
from services.members.models import (  # noqa: E402
    Association, Consent, Membership, Network, NetworkMember, Organisation, OrganisationTheme, Person, PersonRole,
    Theme,
)
from tests.support import infra  # noqa: E402

PASSWORD = "benchmark-password-1"
COUNTRIES = (("NL", "nl"), ("DE", "de"), ("DK", "da"))
SECTORS = ("62.01", "47.91", "10.11", "55.10", "49.41", "41.20", "70.22", "35.11", "01.11", "93.29")


class Echo:
    """The bare RPC round trip every figure is compared with."""

    name = "benchmark_echo"

    @rpc
    def echo(self, value):
        return value


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def seed(url, organisations, rng):
    engine = db.make_engine(url)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        theme_ids = conn.scalars(select(Theme.id)).all()
        associations = []
        for country, language in COUNTRIES:
            association_id = str(uuid.uuid4())
            associations.append((association_id, country))
            conn.execute(insert(Association), [dict(id=association_id, name=f"Benchmark {country}",
                                                    slug=f"bench-{uuid.uuid4().hex[:8]}", country=country,
                                                    default_language=language, time_zone="Europe/Berlin",
                                                    created_at=now, updated_at=now)])
        orgs, persons, roles, memberships, links, consents = [], [], [], [], [], []
        password_hash = hash_password(PASSWORD)
        for i in range(organisations):
            association_id, country = rng.choice(associations)
            org_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
            orgs.append(dict(id=org_id, owner_association_id=association_id, kind="company", name=f"Org {i:05d}",
                             name_lower=f"org {i:05d}", country=country, sector=rng.choice(SECTORS),
                             languages=[], visibility=rng.choice(("association", "all_associations", "public")),
                             erased=False, created_at=now, updated_at=now))
            memberships.append(dict(id=str(uuid.uuid4()), organisation_id=org_id, association_id=association_id,
                                    type="full", status="active", created_at=now, updated_at=now))
            persons.append(dict(id=person_id, home_association_id=association_id, name=f"Contact {i:05d}",
                                email=f"bench-{i}-{uuid.uuid4().hex[:6]}@nabo.test", language="en",
                                password_hash=password_hash if i < 20 else None, is_platform_admin=False,
                                created_at=now, updated_at=now))
            roles.append(dict(id=str(uuid.uuid4()), person_id=person_id, scope="organisation", scope_id=org_id,
                              role="contact", created_at=now))
            for kind, count in (("profile", rng.randint(1, 3)), ("offer", rng.randint(0, 2)), ("need", rng.randint(0, 2))):
                for theme_id in rng.sample(theme_ids, count):
                    links.append(dict(organisation_id=org_id, theme_id=theme_id, kind=kind))
            if rng.random() < 0.02:
                consents.append(dict(id=str(uuid.uuid4()), person_id=person_id, association_id=association_id,
                                     kind="contact", granted=False, source="benchmark", wording_version="v1",
                                     recorded_at=now))
        for table, rows in ((Organisation, orgs), (Membership, memberships), (Person, persons),
                            (PersonRole, roles), (OrganisationTheme, links), (Consent, consents)):
            conn.execute(insert(table), rows)
        networks, members = [], []
        for n in range(50):
            network_id = str(uuid.uuid4())
            networks.append(dict(id=network_id, name={"en": f"Network {n}"}, description={}, search_text="",
                                 languages=",en,", join_policy="open", visibility="public", activity="active",
                                 eligible_association_ids=[], created_at=now, updated_at=now))
            for person in rng.sample(persons, 40):
                members.append(dict(id=str(uuid.uuid4()), network_id=network_id, person_id=person["id"],
                                    role="member", status="active", created_at=now, joined_at=now))
        conn.execute(insert(Network), networks)
        conn.execute(insert(NetworkMember), members)
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    engine.dispose()
    return orgs[:20], persons[:20]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)

    vhost = f"nabo-bench-{uuid.uuid4().hex[:8]}"
    infra._rabbitmqctl("add_vhost", vhost)
    infra._rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        url = infra.make_database("members")
        started = time.perf_counter()
        sources, people = seed(url, args.organisations, rng)
        print(f"seeded {args.organisations} organisations in {time.perf_counter() - started:.1f} s")

        engine = db.make_engine(url)
        factory = db.make_sessionmaker(engine)
        domain_ms = []
        for i in range(args.calls):
            org, person = sources[i % len(sources)], people[i % len(people)]
            caller = Caller(person_id=person["id"], roles=(MEMBER,), member_of=(org["owner_association_id"],),
                            organisation_ids=(org["id"],))
            session = factory()
            t0 = time.perf_counter()
            matchmaking.suggest(session, caller, org["id"], {"limit": 20})
            domain_ms.append((time.perf_counter() - t0) * 1000)
            session.close()
        engine.dispose()

        system = infra.RunningSystem()
        try:
            for component, database_url in (("members", url), ("gateway", None)):
                system.start(component, load_service_class(component),
                             infra.component_settings(component, amqp, database_url))
            echo = ServiceContainer(Echo, {"AMQP_URI": amqp, "serializer": "json"})
            echo.start()
            rpc_ms = []
            with ClusterRpcProxy({"AMQP_URI": amqp, "serializer": "json"}) as proxy:
                for _ in range(args.calls):
                    t0 = time.perf_counter()
                    proxy.benchmark_echo.echo("x")
                    rpc_ms.append((time.perf_counter() - t0) * 1000)
            echo.stop()
            base = system.url("gateway")
            http = requests.Session()
            tokens = [http.post(f"{base}/v1/auth/token", json={"email": p["email"], "password": PASSWORD},
                                timeout=30).json()["access_token"] for p in people]
            http_ms = []
            for i in range(args.calls):
                org, token = sources[i % len(sources)], tokens[i % len(tokens)]
                t0 = time.perf_counter()
                response = http.get(f"{base}/v1/organisations/{org['id']}/matches", params={"limit": 20},
                                    headers={"Authorization": f"Bearer {token}"}, timeout=30)
                http_ms.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"matches answered {response.status_code}: {response.text}")
        finally:
            system.stop_all()

        rpc_p50, rpc_p95 = percentiles(rpc_ms)
        print(f"bare nameko RPC round trip   p50 {rpc_p50:7.2f} ms  p95 {rpc_p95:7.2f} ms")
        for label, samples in (("matchmaking.suggest (domain)", domain_ms), ("GET .../matches (HTTP)", http_ms)):
            p50, p95 = percentiles(samples)
            print(f"{label:28} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  "
                  f"({p50 / rpc_p50:.1f}x / {p95 / rpc_p95:.1f}x the bare RPC)")
    finally:
        infra.drop_databases()
        infra._rabbitmqctl("delete_vhost", vhost)


if __name__ == "__main__":
    main()
