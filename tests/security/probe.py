"""Building the world the authorisation matrix is tried against, calling an
operation of the matrix as somebody, and scanning every answer for secrets."""
import re
import uuid
from datetime import datetime, timedelta, timezone

from services.members.taxonomy import seed_id
from tests.support.api import check, unique

# keys that must never appear in a response body (except the token endpoint's access_token)
SECRET_KEY_RE = re.compile(r"(password|secret|passwd|private_key|api_key|(^|_)token$|(^|_)hash$)", re.I)
CSV = "Name (Original Name),User Email,Join Time,Duration (Minutes)\nRogue,rogue@example.test,,45\n"


def _when(days):
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


def build_world(api, platform, a, b):
    """Private resources of association A (one of each kind), and what B's attack bodies point at."""
    w = {
        "unique": unique,
        "organisation_name": a.organisation["name"],
        "association": a.id,
        "organisation": a.organisation["id"],
        "membership": a.membership["id"],
        "person": a.member_person["id"],
        "admin_person": a.admin_person["id"],
        "other_association": b.id,
        "other_organisation": b.organisation["id"],
        "theme": seed_id("kayaking"),
    }
    network = check(
        a.admin.post(
            "/v1/networks",
            {
                "name": {"nl": unique("Besloten netwerk")},
                "association_ids": [a.id],
                "themes": [w["theme"]],
                "visibility": "association",
                "join_policy": "open",
            },
        ),
        201,
    )
    w["network"] = network["id"]
    check(a.member.post(f"/v1/networks/{network['id']}/members", {}), 201)
    thread = check(
        a.member.post(
            f"/v1/networks/{network['id']}/threads",
            {"kind": "question", "title": "Private question", "body": "Only for the network's members"},
        ),
        201,
    )
    w["thread"] = thread["id"]
    reply = a.member.post(f"/v1/threads/{thread['id']}/posts", {"body": "Private answer"})
    w["post"] = check(reply, 201)["id"]
    w["offer"] = check(
        a.member.post(
            f"/v1/organisations/{w['organisation']}/offers-and-needs",
            {"kind": "offer", "title": "We build web shops"},
        ),
        201,
    )["id"]
    w["programme"] = check(
        a.admin.post(
            "/v1/programmes",
            {
                "title": "Private programme",
                "period_start": _when(-30).date().isoformat(),
                "period_end": _when(300).date().isoformat(),
                "budget_amount_minor": 100_00,
                "currency": "EUR",
            },
        ),
        201,
    )["id"]
    start = _when(20)
    event = check(
        a.admin.post(
            "/v1/events",
            {
                "title": unique("Members only"),
                "format": "online",
                "languages": ["nl"],
                "time_zone": "Europe/Amsterdam",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=1)).isoformat(),
                "join_url": "https://meet.example/secret-room",
                "visibility": "members",
                "network_id": network["id"],
            },
        ),
        201,
    )
    w["event_title"] = event["title"]
    check(a.admin.post(f"/v1/events/{event['id']}/transitions", {"to": "published"}), 200)
    w["event"] = event["id"]
    w["registration"] = check(
        a.member.post(
            f"/v1/events/{event['id']}/registrations", {"name": "Member person", "email": a.member_email}
        ),
        201,
    )["id"]
    _meeting_market(api, a, w, start)
    w["campaign"] = check(
        a.admin.post(
            "/v1/campaigns",
            {
                "name": "Private campaign",
                "sender_name": "A",
                "contents": {"nl": {"subject": "Nieuws", "text": "Tekst"}},
                "segment": {"association_ids": [a.id]},
            },
        ),
        201,
    )["id"]
    w["webhook"] = check(
        a.admin.post(
            "/v1/webhooks",
            {
                "url": "https://hooks.example.test/a",
                "secret": "a-long-enough-secret",
                "event_types": ["event.published"],
            },
        ),
        201,
    )["id"]
    panel = check(
        a.admin.post(
            "/v1/panels",
            {
                "year": 2025,
                "title": unique("Private panel"),
                "theme": "Green",
                "language": "nl",
                "time_zone": "Europe/Amsterdam",
            },
        ),
        201,
    )
    check(
        a.admin.post(f"/v1/panels/{panel['id']}/participants", {"organisation_ids": [w["organisation"]]}), 200
    )
    check(a.admin.post(f"/v1/panels/{panel['id']}/transitions", {"to": "collecting_ideas"}), 200)
    w["panel"] = panel["id"]
    w["idea"] = check(a.member.post(f"/v1/panels/{panel['id']}/ideas", {"title": "Private idea"}), 201)["id"]
    w["initiative"] = check(
        a.admin.post(
            f"/v1/panels/{panel['id']}/initiatives",
            {
                "title": "Private initiative",
                "idea_ids": [w["idea"]],
                "owner": {"kind": "other", "name": "Us"},
            },
        ),
        201,
    )["id"]
    return w


def _meeting_market(api, a, w, start):
    """A market on the event: A's member and a colleague take part, and met once."""
    window = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    w["market_window"] = window
    path = f"/v1/events/{w['event']}/meeting-market"
    check(a.admin.post(path, {"mode": "online", "meeting_minutes": 15, "windows": [window],
                              "max_meetings_per_participant": 5}), 200)
    email, password = f"{unique('colleague')}@nabo.test", "colleague-password-1"
    colleague = check(a.admin.post("/v1/persons", {
        "name": "Colleague", "email": email, "language": "nl", "password": password,
        "organisations": [{"organisation_id": a.organisation["id"], "role": "contact"}]}), 201)
    colleague_api = api.as_(api.sign_in(email, password))
    check(colleague_api.post(f"/v1/events/{w['event']}/registrations", {"name": "Colleague", "email": email}),
          201)
    for client in (a.member, colleague_api):
        check(client.post(f"{path}/participants", {}), 201)
    w["colleague"] = colleague["id"]
    request = check(a.member.post("/v1/meeting-requests", {"event_id": w["event"],
                                                            "recipient_id": colleague["id"]}), 201)
    w["meeting_request"] = request["id"]
    answer = {"status": "accepted"}
    accepted = check(colleague_api.patch(f"/v1/meeting-requests/{request['id']}", answer), 200)
    w["meeting"] = accepted["meeting"]["id"]


def path_of(op, w):
    def value(match):
        name = match.group(1)
        key = op.resource if name == "id" and op.resource else op.params.get(name)
        return w[key] if key else str(uuid.uuid4())

    return re.sub(r"\{(\w+)\}", value, op.path)


def call(client, op, w):
    """Call ``op`` as ``client`` on A's world with a valid body; every answer is scanned for secrets."""
    path = path_of(op, w)
    kwargs = {}
    if op.key == "POST /v1/events/{id}/attendance/import":
        kwargs = {"data": CSV.encode(), "headers": {"Content-Type": "text/csv"}}
    elif op.method in ("POST", "PATCH", "PUT"):
        kwargs = {"json": op.body(w) if op.body else {}}
    response = client.request(op.method, path, **kwargs)
    assert_no_secrets(op, response)
    return response


def secret_keys(value, where="$"):
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if SECRET_KEY_RE.search(str(key)) and key not in ALLOWED_KEYS:
                found.append(f"{where}.{key}")
            found += secret_keys(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += secret_keys(inner, f"{where}[{index}]")
    return found


# booleans that say whether a secret exists, never the secret
ALLOWED_KEYS = {"has_password"}


def assert_no_secrets(op, response):
    if "json" not in response.headers.get("content-type", "") or not response.content:
        return
    found = secret_keys(response.json())
    # the two answers whose purpose is to hand the caller a token of their own
    if op.key == "POST /v1/auth/token":
        found = [f for f in found if f != "$.access_token"]
    if op.key == "POST /v1/me/calendar-token":
        found = [f for f in found if f != "$.token"]
    assert not found, f"{op.key} answered with secret-looking keys {found}"
