"""The newcomer's tour of nabo, run against a gateway loaded with the demo data
(scripts/demo_data.py), checking every step's response.

    python scripts/walkthrough.py --base-url http://127.0.0.1:8000 --mail-url http://127.0.0.1:8025/
    python scripts/walkthrough.py ... --write-doc docs/walkthrough.md

Steps: sign in, find a cross-border match, register for an event, see the
confirmation mail in the SMTP sink, record attendance, read the programme
report, submit and support an idea, read the published idea catalogue.

--write-doc renders docs/walkthrough.md from this run: every request as a curl
command that takes the ids it needs from shell variables filled by earlier
responses (with jq, as the page does), and its real (trimmed) response. Exits 1
naming the step that went wrong.
"""
import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_data import (
    ADMIN_PASSWORD,
    MAIL_DOMAIN,
    MEMBER_PASSWORD,
    PANEL_2024,
    PANEL_2025,
    PROGRAMME_TITLE,
    UPCOMING_CLUSTER,  # noqa: E402
)

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
        self.vars = {}  # shell variable -> its value in this run (tokens and ids)
        self.steps = []  # (heading, prose, command, status, shown or None, content type)
        self.heading = None

    # --- requests, recorded -----------------------------------------------------------------
    def call(self, method, path, who=None, body=None, params=None, expect=200, prose="", show=None,
             record=True, keep=None, capture=None):
        """One request. ``path`` and ``body`` may name shell variables captured before (``$EVENT``); the page
        shows the names, the request carries their values. ``keep`` names a shell variable that holds the
        response, ``capture`` maps shell variables to the jq filters that take them out of it; ``show=False``
        records the command without its response."""
        headers = {"Authorization": f"Bearer {self.vars[who]}"} if who else {}
        try:
            r = self.http.request(method, self.base + self._expand(path), headers=headers,
                                  json=json.loads(self._expand(json.dumps(body))), params=params, timeout=30)
        except requests.ConnectionError:
            raise StepFailed(f"cannot reach the gateway at {self.base}") from None
        if r.status_code != expect:
            raise StepFailed(f"{method} {path} answered {r.status_code}, expected {expect}: {r.text[:300]}")
        data = r.json() if "json" in r.headers.get("content-type", "") else r.text
        for var, jq_filter in (capture or {}).items():
            self.vars[var] = self._jq(jq_filter, r.text, var)
        if record:
            shown = None if show is False else (show or (lambda d: d))(data)
            curl = self._curl(method, path, who, body, params)
            command = self._command(curl, keep, capture, shown is not None)
            content_type = r.headers.get("content-type", "")
            self.steps.append((self.heading, prose, command, r.status_code, shown, content_type))
            self.heading = None
        return data

    def _expand(self, text):
        return re.sub(r"\$([A-Z][A-Z0-9_]*)", lambda m: self.vars[m[1]], text)

    @staticmethod
    def _jq(jq_filter, text, var):
        result = subprocess.run(["jq", "-r", jq_filter], input=text, capture_output=True, text=True)
        value = result.stdout.strip()
        if result.returncode != 0 or value in ("", "null") or "\n" in value:
            raise StepFailed(f"jq -r '{jq_filter}' gives no single value for ${var}: "
                             f"{result.stderr or value}")
        return value

    @staticmethod
    def _curl(method, path, who, body, params):
        query = ("?" + "&".join(f"{k}={v}" for k, v in params.items())) if params else ""
        parts = ["curl -s"]
        if method != "GET":
            parts.append(f"-X {method}")
        if who:
            parts.append(f'-H "Authorization: Bearer ${who}"')
        if body is not None:
            text = json.dumps(body, ensure_ascii=False)
            parts.append("-H 'Content-Type: application/json'")
            if re.search(r"\$[A-Z]", text):  # a captured variable: double quotes, so the shell fills it in
                parts.append('-d "' + re.sub(r'(["\\`])', r"\\\1", text) + '"')
            else:
                parts.append("-d '" + text.replace("'", "'\\''") + "'")
        parts.append(f'"$BASE{path}{query}"')
        return " ".join(parts)

    @staticmethod
    def _command(curl, keep, capture, shown):
        def quoted(jq_filter):
            assert "'" not in jq_filter, jq_filter
            return f"'{jq_filter}'"

        if keep:
            lines = [f"{keep}=$({curl})" + (f'; echo "${keep}"' if shown else "")]
            lines += [f'{var}=$(jq -r {quoted(f)} <<<"${keep}")' for var, f in (capture or {}).items()]
            return "\n".join(lines)
        if capture:
            (var, jq_filter), = capture.items()
            return f"{var}=$({curl} | jq -r {quoted(jq_filter)})"
        return curl

    def section(self, heading):
        self.heading = heading

    def sign_in(self, var, prose="", record=True, show=False):
        email, password = ACCOUNTS[var]
        self.call("POST", "/v1/auth/token", body={"email": email, "password": password}, prose=prose,
                  record=record, keep="SIGN_IN" if show else None, capture={var: ".access_token"},
                  show=(lambda d: dict(d, access_token=d["access_token"][:24] + "…")) if show else False)

    def check(self, condition, message):
        if not condition:
            raise StepFailed(message)

    # --- the tour -----------------------------------------------------------------------------
    def run(self):
        self.section("1. Sign in")
        self.sign_in(
            "MEMBER_NL",
            "Annemiek runs a web agency in Drenthe and is a member of the Dutch "
            "entrepreneurs' association. She signs in with e-mail and password and gets a "
            "bearer token (a JWT, valid for an hour), kept in a shell variable for the "
            "requests that follow.",
            show=True,
        )
        me = self.call(
            "GET",
            "/v1/me",
            "MEMBER_NL",
            keep="ME",
            capture={"ORG": ".organisation_ids[0]"},
            prose="Who am I? Roles, associations and organisations; her company's id goes into `$ORG`.",
            show=lambda d: {**d, "person": {k: d["person"][k] for k in ("id", "name", "language")}},
        )
        self.check(me["organisation_ids"] and me["member_of"], "the member has no organisation")

        self.section("2. Find a partner across the border")
        matches = self.call(
            "GET",
            "/v1/organisations/$ORG/matches",
            "MEMBER_NL",
            params={"cross_border": "true", "limit": 3},
            prose="Suggestions for her company from the other side of the border, ranked: "
            "German companies whose needs meet her offers "
            '(themes are ids of one taxonomy, so "Onlineshop" meets "webwinkel"), '
            "people in the same network, complementary sectors.",
            show=lambda d: {
                "items": [
                    {
                        "organisation": {
                            k: m["organisation"][k] for k in ("name", "country", "region", "sector")
                        },
                        "score": m["score"],
                        "reasons": m["reasons"],
                    }
                    for m in d["items"][:2]
                ],
                "total": d["total"],
            },
        )
        self.check(matches["items"], "no cross-border suggestions")
        top = matches["items"][0]
        self.check(top["organisation"]["country"] == "DE", "the best suggestion is not German")
        self.check(
            {r["kind"] for r in top["reasons"]} & {"needs_your_offer", "offers_your_need"},
            "the best suggestion has no offer/need reason",
        )

        self.section("3. Register for an event")
        found = self.call(
            "GET",
            "/v1/events",
            params={"when": "upcoming", "q": "Energiecluster"},
            keep="FOUND",
            capture={"EVENT": f'.items[] | select(.title == "{UPCOMING_CLUSTER}") | .id'},
            prose="The energy cluster Emsland–Drenthe, a network owned by both associations, meets "
            "soon. Public events are listed without signing in; the cluster's meeting "
            "goes into `$EVENT`.",
            show=lambda d: {
                "items": [
                    {
                        k: e[k]
                        for k in ("id", "title", "format", "local_start", "time_zone", "languages", "seats")
                    }
                    for e in d["items"]
                ],
                "total": d["total"],
            },
        )
        self.check(
            any(e["title"] == UPCOMING_CLUSTER for e in found["items"]),
            "the energy cluster's event is not listed",
        )
        # a re-run: cancel her registration of an earlier tour first (not part of the document)
        self.sign_in("ADMIN_NL", record=False)
        for old in self.call(
            "GET", "/v1/events/$EVENT/registrations", "ADMIN_NL", params={"limit": 200}, record=False
        )["items"]:
            if old["status"] != "cancelled" and old.get("email") == ACCOUNTS["MEMBER_NL"][0]:
                self.call("DELETE", f"/v1/registrations/{old['id']}", "ADMIN_NL", record=False, expect=200)
        mail_before = {json.dumps(m, sort_keys=True) for m in self._mails()}
        registration = self.call(
            "POST",
            "/v1/events/$EVENT/registrations",
            "MEMBER_NL",
            expect=201,
            body={
                "name": me["person"]["name"],
                "email": ACCOUNTS["MEMBER_NL"][0],
                "language": "nl",
                "source_channel": "network",
            },
            keep="REGISTRATION",
            capture={"REGISTRATION_ID": ".id"},
            prose="She registers herself (signed in, so without `person_id`); "
            "`source_channel` says what brought her, for the organisers' report. "
            "A second registration of the same e-mail answers 409.",
            show=lambda d: {
                k: d[k] for k in ("id", "event_id", "name", "status", "source_channel", "language")
            },
        )
        self.check(registration["status"] == "confirmed", "the registration is not confirmed")

        self.section("4. The confirmation mail")
        mail = self._wait_for_mail(ACCOUNTS["MEMBER_NL"][0], mail_before)
        self.steps.append(
            (
                self.heading,
                "The events service wrote `registration.confirmed` to its outbox in the same "
                "transaction; the relay published it; the notifications service rendered "
                "the confirmation in Dutch with the event's calendar file attached and sent it "
                "to the SMTP sink, all within a second or so. Its viewer lists what arrived "
                "(newest first; the text cut here):",
                'curl -s "$MAIL?format=json"',
                200,
                [
                    {
                        "to": mail["to"],
                        "subject": mail["subject"],
                        "attachments": mail["attachments"],
                        "text": "\n".join(mail["text"].strip().splitlines()[:8]) + "\n…",
                    }
                ],
                "application/json",
            )
        )
        self.heading = None

        self.section("5. Record attendance")
        self.sign_in("ADMIN_NL", "On the day, the association's staff member signs in and checks her in.")
        attended = self.call(
            "POST",
            "/v1/events/$EVENT/attendance",
            "ADMIN_NL",
            expect=201,
            body={"registration_id": "$REGISTRATION_ID"},
            prose="The answer is the event's attendance so far: registered attendees, walk-ins, online joins "
            "and head counts are counted apart (most people of the Danish meetings never registered).",
            show=lambda d: {
                **{k: v for k, v in d.items() if k != "items"},
                "items": [
                    {k: a[k] for k in ("kind", "name", "source_channel")}
                    for a in d["items"]
                    if a["registration_id"] == registration["id"]
                ],
            },
        )
        self.check(
            any(
                a["kind"] == "check_in" and a["registration_id"] == registration["id"]
                for a in attended["items"]
            ),
            "the check-in is not listed",
        )
        self.check(attended["registered_attendees"] >= 1, "the check-in is not counted")

        self.section("6. The programme report")
        self.sign_in(
            "ADMIN_DK",
            "The Danish municipality's business office ran seven virtual meetings on a "
            "grant; its staff member signs in and finds the programme.",
        )
        self.call(
            "GET",
            "/v1/programmes",
            "ADMIN_DK",
            show=False,
            capture={"PROGRAMME": f'.items[] | select(.title == "{PROGRAMME_TITLE}") | .id'},
        )
        report = self.call(
            "GET",
            "/v1/programmes/$PROGRAMME/report",
            "ADMIN_DK",
            prose="One call gives the final report: every meeting's theme, date and participants, "
            "which channels brought people, and the budget (minor units: 7,500,000 øre = 75,000 DKK).",
            show=lambda d: {
                "events": [
                    {
                        k: e[k]
                        for k in (
                            "date",
                            "themes",
                            "registrations",
                            "attendees",
                            "walk_ins",
                            "recording_published",
                        )
                    }
                    for e in d["events"]
                ],
                "totals": {
                    k: d["totals"][k]
                    for k in (
                        "events",
                        "planned_events",
                        "attendees",
                        "registrations",
                        "walk_ins",
                        "no_shows",
                        "average_attendance",
                    )
                },
                "source_channels": d["source_channels"],
                "budget": d["budget"],
            },
        )
        self.check(
            [e["attendees"] for e in report["events"]] == [9, 2, 7, 7, 7, 6, 3],
            "the meetings' attendance is not 9, 2, 7, 7, 7, 6, 3",
        )
        self.check(
            report["budget"]["granted_minor"] == 75_000_00 and report["budget"]["used_minor"] == 70_000_00,
            "the budget is not 75,000 granted / 70,000 used",
        )

        self.section("7. Submit and support an idea")
        self.sign_in(
            "MEMBER_DK",
            "This year's business panel collects ideas for the green transition. A "
            "member signs in and finds this year's panel and last year's.",
        )
        self.call(
            "GET",
            "/v1/panels",
            "MEMBER_DK",
            keep="PANELS",
            show=False,
            capture={
                "PANEL": f'.items[] | select(.title == "{PANEL_2025}") | .id',
                "LAST_PANEL": f'.items[] | select(.title == "{PANEL_2024}") | .id',
            },
        )
        idea = self.call(
            "POST",
            "/v1/panels/$PANEL/ideas",
            "MEMBER_DK",
            expect=201,
            body={
                "title": "Delebilordning for erhvervsområdet",
                "need": "Medarbejdere mangler transport mellem virksomhederne",
                "expected_effect": "Færre bilture",
                "sub_theme": "green-infrastructure",
            },
            keep="IDEA",
            capture={"IDEA_ID": ".id"},
            prose="She submits an idea.",
            show=lambda d: {
                k: d[k]
                for k in (
                    "id",
                    "title",
                    "sub_theme",
                    "status",
                    "submitter_name",
                    "submitter_organisation_name",
                    "support_count",
                )
            },
        )
        self.check(idea["status"] == "submitted", "the idea is not submitted")
        self.sign_in("MEMBER2_DK", "A participant from another company signs in and supports it.")
        support = self.call(
            "POST", "/v1/ideas/$IDEA_ID/supports", "MEMBER2_DK", expect=201, body={}, show=lambda d: d
        )
        self.check(support.get("support_count", 0) >= 1, "the support is not counted")

        self.section("8. Read the idea catalogue")
        catalogue = self.call(
            "GET",
            "/v1/panels/$LAST_PANEL/catalogue",
            params={"format": "md"},
            prose="Last year's catalogue is published: anyone may read it, without signing in, as JSON, CSV, "
            "Markdown or a printable HTML page. The Markdown (first lines):",
            show=lambda d: "\n".join(d.splitlines()[:24]) + "\n…",
        )
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
            if shown is None:
                continue
            if isinstance(shown, str):
                out.append(f"`{status}` ({ctype.split(';')[0]})\n\n```markdown\n{shown}\n```\n")
            else:
                out.append(f"`{status}`\n\n```json\n{json.dumps(shown, indent=2, ensure_ascii=False)}\n```\n")
        out.append(OUTRO)
        return "\n".join(out)


INTRO = """# A first hour with nabo: the walkthrough

A tour through the API with real requests. Every command below can be pasted
into a shell as it stands, in order: the tokens and ids each step needs are kept
in shell variables from an earlier response. The responses shown are real, from
the run that wrote this page, and trimmed to what matters: your ids and dates
will differ. The page is generated: `python scripts/walkthrough.py --write-doc
docs/walkthrough.md` runs the tour against a running installation, checks every
response and writes what it saw here; `tests/e2e/test_walkthrough_replay.py`
runs this page's commands as written against a system started as `make run`
starts it.

## Before you start

You need `curl` and `jq`. In one terminal, start everything with the demo data
(see the [README](../README.md)) and wait for `nabo is running.`:

```sh
make run
```

It prints the demo accounts it loaded (passwords `demo-admin-password` and
`demo-member-password`) and the platform admin's. What the demo data holds: a
Dutch and a German entrepreneurs' association (50 member organisations each,
with offers and needs, and the energy cluster Emsland–Drenthe they own
together), a Danish municipality's business office (7 virtual meetings on a
75,000 DKK grant, a business panel on the green transition) and a Swedish
destination organisation's open networks (kayak, climbing, fishing, young
entrepreneurs up to 30).

In a second terminal, where the rest of the tour runs:

```sh
BASE=http://127.0.0.1:8000 MAIL=http://127.0.0.1:8025/
```

The API reference for frontends is at `$BASE/v1/docs` (and
`$BASE/v1/openapi.json`); how the parts fit together is in
[architecture.md](architecture.md); the words the API uses are in
[glossary.md](glossary.md).
"""

OUTRO = """
## Where next

- [architecture.md](architecture.md): the services, what each owns, the event
  catalogue, the outbox and dead letters.
- [networks.md](networks.md), [events.md](events.md),
  [notifications.md](notifications.md), [ideas.md](ideas.md): each part in depth.
- `GET $BASE/v1/networks?country=SE` (no token): the Swedish open networks;
  `POST /v1/networks/{id}/wake` wakes a dormant one.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the nabo walkthrough against a gateway with the demo data."
    )
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
