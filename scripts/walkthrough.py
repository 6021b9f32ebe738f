"""The newcomer's tour of nabo, run against a gateway loaded with the demo data
(scripts/demo_data.py), checking every step's response.

    python scripts/walkthrough.py --base-url http://127.0.0.1:8000 --mail-url http://127.0.0.1:8025/
    python scripts/walkthrough.py ... --write-doc docs/walkthrough.md

Steps: sign in, find a cross-border match, register for an event, see the
confirmation mail in the SMTP sink, record attendance, read the programme
report, submit and support an idea, read the published idea catalogue.

--write-doc renders docs/walkthrough.md from this run: every request as curl
and its real (trimmed) response. Exits 1 naming the step that went wrong.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_data import MAIL_DOMAIN, MEMBER_PASSWORD, ADMIN_PASSWORD, PANEL_2024, PANEL_2025, PROGRAMME_TITLE, \
    UPCOMING_CLUSTER  # noqa: E402

ACCOUNTS = {  # shell variable -> (e-mail, password)
    "MEMBER_NL": (f"member.nl@{MAIL_DOMAIN}", MEMBER_PASSWORD),
    "ADMIN_NL": (f"admin.nl@{MAIL_DOMAIN}", ADMIN_PASSWORD),
    "ADMIN_DK": (f"admin.dk@{MAIL_DOMAIN}", ADMIN_PASSWORD),
    "MEMBER_DK": (f"member.dk@{MAIL_DOMAIN}", MEMBER_PASSWORD),
    "MEMBER2_DK": (f"member2.dk@{MAIL_DOMAIN}", MEMBER_PASSWORD),
}


class StepFailed(Exception):
    pass


class Tour:
    def __init__(self, base_url, mail_url, mail_timeout=30):
        self.base = base_url.rstrip("/")
        self.mail_url = mail_url
        self.mail_timeout = mail_timeout
        self.http = requests.Session()
        self.tokens = {}
        self.steps = []  # (heading, prose, curl, status, shown)
        self.heading = None

    # --- requests, recorded -----------------------------------------------------------------
    def call(self, method, path, who=None, body=None, params=None, expect=200, prose="", show=None, record=True):
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        try:
            r = self.http.request(method, self.base + path, headers=headers, json=body, params=params, timeout=30)
        except requests.ConnectionError:
            raise StepFailed(f"cannot reach the gateway at {self.base}") from None
        if r.status_code != expect:
            raise StepFailed(f"{method} {path} answered {r.status_code}, expected {expect}: {r.text[:300]}")
        data = r.json() if "json" in r.headers.get("content-type", "") else r.text
        if record:
            self.steps.append((self.heading, prose, self._curl(method, path, who, body, params), r.status_code,
                               (show or (lambda d: d))(data), r.headers.get("content-type", "")))
            self.heading = None
        return data

    @staticmethod
    def _curl(method, path, who, body, params):
        query = ("?" + "&".join(f"{k}={v}" for k, v in params.items())) if params else ""
        parts = ["curl -s"]
        if method != "GET":
            parts.append(f"-X {method}")
        if who:
            parts.append(f'-H "Authorization: Bearer ${who}"')
        if body is not None:
            parts.append("-H 'Content-Type: application/json'")
            parts.append("-d '" + json.dumps(body, ensure_ascii=False).replace("'", "'\\''") + "'")
        parts.append(f'"$BASE{path}{query}"')
        return " ".join(parts)

    def section(self, heading):
        self.heading = heading

    def sign_in(self, var, prose="", record=True):
        email, password = ACCOUNTS[var]
        data = self.call("POST", "/v1/auth/token", body={"email": email, "password": password}, prose=prose,
                         record=record, show=lambda d: dict(d, access_token=d["access_token"][:24] + "…"))
        if record:  # the doc shows how to keep the token in a shell variable
            heading, prose_, curl, status, shown, ctype = self.steps[-1]
            self.steps[-1] = (heading, prose_, f"{var}=$({curl} | jq -r .access_token)", status, shown, ctype)
        self.tokens[var] = data["access_token"]

    def check(self, condition, message):
        if not condition:
            raise StepFailed(message)

    # --- the tour -----------------------------------------------------------------------------
    def run(self):
        self.section("1. Sign in")
        self.sign_in("MEMBER_NL", "Annemiek runs a web agency in Drenthe and is a member of the Dutch "
                                  "entrepreneurs' association. She signs in with e-mail and password and gets a "
                                  "bearer token (a JWT, valid for an hour).")
        me = self.call("GET", "/v1/me", "MEMBER_NL", prose="Who am I? Roles, associations and organisations.",
                       show=lambda d: {**d, "person": {k: d["person"][k] for k in ("id", "name", "language")}})
        self.check(me["organisation_ids"] and me["member_of"], "the member has no organisation")
        org = me["organisation_ids"][0]

        self.section("2. Find a partner across the border")
        matches = self.call(
            "GET", f"/v1/organisations/{org}/matches", "MEMBER_NL", params={"cross_border": "true", "limit": 3},
            prose="Suggestions for her company from the other side of the border, ranked: German companies whose "
                  "needs meet her offers (themes are ids of one taxonomy, so \"Onlineshop\" meets \"webwinkel\"), "
                  "people in the same network, complementary sectors.",
            show=lambda d: {"items": [{"organisation": {k: m["organisation"][k] for k in ("name", "country",
                                                                                         "region", "sector")},
                                       "score": m["score"],
                                       "reasons": [{"kind": r["kind"], "themes": [t["label"] for t in r["themes"]],
                                                    "networks": [n["name"] for n in r["networks"]]}
                                                   for r in m["reasons"]]} for m in d["items"][:2]],
                            "total": d["total"]})
        self.check(matches["items"], "no cross-border suggestions")
        top = matches["items"][0]
        self.check(top["organisation"]["country"] == "DE", "the best suggestion is not German")
        self.check({r["kind"] for r in top["reasons"]} & {"needs_your_offer", "offers_your_need"},
                   "the best suggestion has no offer/need reason")

        self.section("3. Register for an event")
        found = self.call("GET", "/v1/events", params={"when": "upcoming", "q": "Energiecluster"},
                          prose="The energy cluster Emsland–Drenthe, a network owned by both associations, meets "
                                "soon. Public events are listed without signing in.",
                          show=lambda d: {"items": [{k: e[k] for k in ("id", "title", "format", "local_start",
                                                                       "time_zone", "languages", "seats")}
                                                    for e in d["items"]], "total": d["total"]})
        event = next((e for e in found["items"] if e["title"] == UPCOMING_CLUSTER), None)
        self.check(event is not None, "the energy cluster's event is not listed")
        eid = event["id"]
        # a re-run: cancel her registration of an earlier tour first (not part of the document)
        self.sign_in("ADMIN_NL", record=False)
        for old in self.call("GET", f"/v1/events/{eid}/registrations", "ADMIN_NL", params={"limit": 200},
                             record=False)["items"]:
            if old["status"] != "cancelled" and old.get("email") == ACCOUNTS["MEMBER_NL"][0]:
                self.call("DELETE", f"/v1/registrations/{old['id']}", "ADMIN_NL", record=False, expect=200)
        mail_before = {json.dumps(m, sort_keys=True) for m in self._mails()}
        registration = self.call(
            "POST", f"/v1/events/{eid}/registrations", "MEMBER_NL", expect=201,
            body={"name": me["person"]["name"], "email": ACCOUNTS["MEMBER_NL"][0], "language": "nl",
                  "source_channel": "network"},
            prose="She registers herself (signed in, so without `person_id`); `source_channel` says what brought "
                  "her, for the organisers' report.",
            show=lambda d: {k: d[k] for k in ("id", "event_id", "name", "status", "source_channel", "language")})
        self.check(registration["status"] == "confirmed", "the registration is not confirmed")

        self.section("4. The confirmation mail")
        mail = self._wait_for_mail(ACCOUNTS["MEMBER_NL"][0], mail_before)
        self.steps.append((self.heading, "The events service wrote `registration.confirmed` to its outbox in the same "
                                 "transaction; the relay published it; the notifications service rendered the "
                                 "confirmation in Dutch with the event's calendar file attached and sent it to the "
                                 "SMTP sink. Its viewer lists what arrived (newest first):",
                           "curl -s \"$MAIL?format=json\"", 200,
                           [{"to": mail["to"], "subject": mail["subject"], "attachments": mail["attachments"],
                             "text": mail["text"].strip().splitlines()[:8]}], "application/json"))
        self.heading = None

        self.section("5. Record attendance")
        self.sign_in("ADMIN_NL", "On the day, the association's staff member checks her in.")
        attended = self.call(
            "POST", f"/v1/events/{eid}/attendance", "ADMIN_NL", expect=201,
            body={"registration_id": registration["id"]},
            prose="The answer is the event's attendance so far: registered attendees, walk-ins, online joins "
                  "and head counts are counted apart (most people of the Danish meetings never registered).",
            show=lambda d: {**{k: v for k, v in d.items() if k != "items"},
                            "items": [{k: a[k] for k in ("kind", "name", "source_channel")} for a in d["items"]
                                      if a["registration_id"] == registration["id"]]})
        self.check(any(a["kind"] == "check_in" and a["registration_id"] == registration["id"]
                       for a in attended["items"]), "the check-in is not listed")
        self.check(attended["registered_attendees"] >= 1, "the check-in is not counted")

        self.section("6. The programme report")
        self.sign_in("ADMIN_DK", "The Danish municipality's business office ran seven virtual meetings on a grant.")
        programmes = self.call("GET", "/v1/programmes", "ADMIN_DK", record=False)
        programme = next(p for p in programmes["items"] if p["title"] == PROGRAMME_TITLE)
        report = self.call(
            "GET", f"/v1/programmes/{programme['id']}/report", "ADMIN_DK",
            prose="One call gives the final report: every meeting's theme, date and participants, which channels "
                  "brought people, and the budget (minor units: 7,500,000 øre = 75,000 DKK).",
            show=lambda d: {"events": [{k: e[k] for k in ("date", "themes", "registrations", "attendees",
                                                          "walk_ins", "recording_published")} for e in d["events"]],
                            "totals": {k: d["totals"][k] for k in ("events", "planned_events", "attendees",
                                                                   "registrations", "walk_ins", "no_shows",
                                                                   "average_attendance")},
                            "source_channels": d["source_channels"], "budget": d["budget"]})
        self.check([e["attendees"] for e in report["events"]] == [9, 2, 7, 7, 7, 6, 3],
                   "the meetings' attendance is not 9, 2, 7, 7, 7, 6, 3")
        self.check(report["budget"]["granted_minor"] == 75_000_00 and report["budget"]["used_minor"] == 70_000_00,
                   "the budget is not 75,000 granted / 70,000 used")

        self.section("7. Submit and support an idea")
        self.sign_in("MEMBER_DK", "This year's business panel collects ideas for the green transition.")
        panels = self.call("GET", "/v1/panels", "MEMBER_DK", record=False)["items"]
        current = next(p for p in panels if p["title"] == PANEL_2025)
        idea = self.call("POST", f"/v1/panels/{current['id']}/ideas", "MEMBER_DK", expect=201,
                         body={"title": "Delebilordning for erhvervsområdet",
                               "need": "Medarbejdere mangler transport mellem virksomhederne",
                               "expected_effect": "Færre bilture", "sub_theme": "green-infrastructure"},
                         show=lambda d: {k: d[k] for k in ("id", "title", "sub_theme", "status", "submitter_name",
                                                           "submitter_organisation_name", "support_count")})
        self.check(idea["status"] == "submitted", "the idea is not submitted")
        self.sign_in("MEMBER2_DK", "A participant from another company supports it.")
        support = self.call("POST", f"/v1/ideas/{idea['id']}/supports", "MEMBER2_DK", expect=201, body={},
                            show=lambda d: d)
        self.check(support.get("support_count", 0) >= 1, "the support is not counted")

        self.section("8. Read the idea catalogue")
        last = next(p for p in panels if p["title"] == PANEL_2024)
        catalogue = self.call(
            "GET", f"/v1/panels/{last['id']}/catalogue", params={"format": "md"},
            prose="Last year's catalogue is published: anyone may read it, without signing in, as JSON, CSV, "
                  "Markdown or a printable HTML page. The Markdown (first lines):",
            show=lambda d: "\n".join(d.splitlines()[:24]) + "\n…")
        self.check(catalogue.count("\n## ") == 5, "the catalogue does not have the five sub-themes")
        return self

    def _mails(self):
        try:
            return requests.get(self.mail_url, params={"format": "json"}, timeout=10).json()
        except (requests.RequestException, ValueError):
            raise StepFailed(f"cannot read the SMTP sink's messages at {self.mail_url}") from None

    def _wait_for_mail(self, address, before):
        deadline = time.monotonic() + self.mail_timeout
        while time.monotonic() < deadline:
            for mail in self._mails():
                if address in mail["to"] and json.dumps(mail, sort_keys=True) not in before:
                    return mail
            time.sleep(0.5)
        raise StepFailed(f"no confirmation mail to {address} within {self.mail_timeout} s")

    # --- the document -----------------------------------------------------------------------
    def markdown(self):
        out = [INTRO]
        for heading, prose, curl, status, shown, ctype in self.steps:
            if heading:
                out.append(f"\n## {heading}\n")
            if prose:
                out.append(f"{prose}\n")
            out.append(f"```sh\n{curl}\n```\n")
            if isinstance(shown, str):
                out.append(f"`{status}` ({ctype.split(';')[0]})\n\n```markdown\n{shown}\n```\n")
            else:
                out.append(f"`{status}`\n\n```json\n{json.dumps(shown, indent=2, ensure_ascii=False)}\n```\n")
        out.append(OUTRO)
        return "\n".join(out)


INTRO = """# A first hour with nabo: the walkthrough

A tour through the API with real requests and their real responses (trimmed to
what matters; ids are those of the run that wrote this page). The page is
generated: `python scripts/walkthrough.py --write-doc docs/walkthrough.md` runs
the tour against a running installation, checks every response and writes what
it saw here. `tests/e2e/test_demo_and_walkthrough.py` runs the same tour on
every test run, so the page cannot drift from the API.

## Before you start

Everything local: RabbitMQ on 127.0.0.1:5672, SQLite files under `.nabo/`.

```sh
python -m nabo_common.cli migrate all
python -m services.members.bootstrap --email admin@nabo.local --password 'choose-a-password'
python scripts/smtp_sink.py &                       # SMTP 1025, viewer http://127.0.0.1:8025/
for c in members events notifications ideas; do python -m nabo_common.cli serve $c & done
WRITE_RATE_LIMIT=100000/minute python -m nabo_common.cli serve gateway &
python scripts/demo_data.py --base-url http://127.0.0.1:8000 \\
    --admin-email admin@nabo.local --admin-password 'choose-a-password'
BASE=http://127.0.0.1:8000 MAIL=http://127.0.0.1:8025/
```

`demo_data.py` prints the demo accounts (all passwords are `demo-admin-password`
or `demo-member-password`). What it loads: a Dutch and a German entrepreneurs'
association (50 member organisations each, with offers and needs, and the
energy cluster Emsland–Drenthe they own together), a Danish municipality's
business office (7 virtual meetings on a 75,000 DKK grant, a business panel on
the green transition) and a Swedish destination organisation's open networks
(kayak, climbing, fishing, young entrepreneurs up to 30). Running it again
creates nothing new.

The API reference for frontends is at `$BASE/v1/docs` (and
`$BASE/v1/openapi.json`); how the parts fit together is in
[architecture.md](architecture.md).
"""

OUTRO = """
## Where next

- `docs/architecture.md`: the services, what each owns, the event catalogue,
  the outbox and dead letters.
- `docs/networks.md`, `docs/events.md`, `docs/notifications.md`,
  `docs/ideas.md`: each part in depth.
- `GET $BASE/v1/networks?country=SE` (no token): the Swedish open networks;
  `POST /v1/networks/{id}/wake` wakes a dormant one.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the nabo walkthrough against a gateway with the demo data.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--mail-url", default="http://127.0.0.1:8025/", help="the SMTP sink's viewer")
    parser.add_argument("--mail-timeout", type=float, default=30)
    parser.add_argument("--write-doc", metavar="PATH", help="write the tour with its responses as Markdown")
    args = parser.parse_args(argv)
    tour = Tour(args.base_url, args.mail_url, args.mail_timeout)
    try:
        tour.run()
    except StepFailed as exc:
        print(f"walkthrough: {exc}", file=sys.stderr)
        return 1
    if args.write_doc:
        Path(args.write_doc).write_text(tour.markdown(), encoding="utf-8")
    print(f"walkthrough: {sum(1 for s in tour.steps)} steps checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
