"""Campaigns: newsletters and direct mails composed by an association's admins.

Sending materialises the audience as delivery rows in one INSERT … SELECT
(status ``queued``), after which the dispatcher sends them like any other
delivery: in batches claimed with SKIP LOCKED, at the configured rate,
resuming after a crash from the rows' states. Every send counts its
recipients against the association's daily cap (``daily_cap``).
"""
import secrets
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import func, insert, literal, select, update

from contracts.api import notifications as schemas
from nabo_common.api.errors import Conflict
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.persistence.types import UtcDateTime
from services.notifications.domain import access, rendering
from services.notifications.domain import daily_cap as cap
from services.notifications.domain.audience import audience, check_segment
from services.notifications.domain.common import idempotent_calls, locked, publish, utcnow
from services.notifications.domain.deliveries import CAMPAIGN
from services.notifications.models import Association, Campaign, Contact, Delivery

EDITABLE = ("draft", "scheduled")
PENDING = ("queued", "claimed", "sending")
SAMPLE_SIZE = 10
CHANNEL = "email"


def _view(session, campaign):
    data = dump(schemas.Campaign, campaign)
    data["progress"] = progress(session, campaign.id)
    return data


def progress(session, campaign_id):
    counts = dict(session.execute(select(Delivery.status, func.count()).where(
        Delivery.campaign_id == campaign_id).group_by(Delivery.status)).all())
    return {"total": sum(counts.values()), "queued": counts.get("queued", 0),
            "sending": counts.get("claimed", 0) + counts.get("sending", 0), "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0), "bounced": counts.get("bounced", 0)}


def _visible_or_404(session, caller, campaign_id):
    return access.owned_or_404(session, caller, Campaign, campaign_id, "Campaign")


def _locked_or_404(session, caller, campaign_id):
    """The campaign, locked: two sends of one campaign must not both count against the cap."""
    campaign = _visible_or_404(session, caller, campaign_id)
    session.refresh(campaign, with_for_update=True)
    return campaign


def _audience_size(session, campaign):
    return session.scalar(select(func.count()).select_from(
        audience(campaign.association_id, campaign.kind, campaign.segment).subquery()))


def _campaign_summary(campaign):
    return {"campaign_id": campaign.id, "association_id": campaign.association_id, "code": campaign.code,
            "name": campaign.name, "kind": campaign.kind}


def _announce(session, caller, campaign, event_type, changed=()):
    """What an admin did to a campaign, for the audit trail (no contents, no recipients)."""
    publish(session, event_type, dict(
        _campaign_summary(campaign), status=campaign.status,
        send_at=campaign.send_at.isoformat() if campaign.send_at else None, changed=sorted(changed)),
        caller, campaign.association_id)


def create(session, caller, payload, call_key=None):
    data = load(schemas.CampaignCreate, payload)
    association_id = access.own_association(caller, data.pop("association_id", None))

    def write():
        check_segment(session, association_id, data["segment"])
        campaign = Campaign(association_id=association_id, code=f"cmp-{secrets.token_hex(5)}",
                            created_by=caller.person_id, status="draft", **data)
        session.add(campaign)
        session.flush()
        _announce(session, caller, campaign, "campaign.created")
        return _view(session, campaign)

    with session.begin():
        return idempotent_calls.once(session, call_key, "create_campaign", write)


def get(session, caller, campaign_id):
    return _view(session, _visible_or_404(session, caller, campaign_id))


def list_(session, caller, query):
    q = load(schemas.CampaignQuery, query)
    access.require_authenticated(caller)
    stmt = select(Campaign)
    if not caller.is_privileged:
        stmt = stmt.where(Campaign.association_id.in_(list(caller.admin_of) or [""]))
    if q.get("association_id"):
        stmt = stmt.where(Campaign.association_id == q["association_id"])
    if q.get("status"):
        stmt = stmt.where(Campaign.status == q["status"])
    rows, total = paginate(
        session, stmt.order_by(Campaign.created_at.desc(), Campaign.id), q["limit"], q["offset"]
    )
    return page([_view(session, c) for c in rows], total, q["limit"], q["offset"])


def update_(session, caller, campaign_id, payload, *, daily_cap):
    data = load(schemas.CampaignUpdate, payload)
    with session.begin():
        campaign = _locked_or_404(session, caller, campaign_id)
        if campaign.status not in EDITABLE:
            raise Conflict("A campaign that is {status} cannot be changed.", status=campaign.status)
        if "segment" in data:
            check_segment(session, campaign.association_id, data["segment"])
        for key, value in data.items():
            setattr(campaign, key, value)
        if campaign.status == "scheduled" and "segment" in data:
            # a wider audience after the send must fit the cap as the send had to
            cap.reserve(session, campaign, _audience_size(session, campaign), daily_cap, campaign.send_at)
        session.flush()
        _announce(session, caller, campaign, "campaign.updated", data)
        return _view(session, campaign)


def message_language(campaign, association, language):
    """The recipient's language if the campaign has it, else the association's default, else any."""
    return rendering.pick_language(
        language, association.default_language if association else None, available=tuple(campaign.contents)
    )


def preview(session, caller, campaign_id):
    campaign = _visible_or_404(session, caller, campaign_id)
    stmt = audience(campaign.association_id, campaign.kind, campaign.segment).subquery()
    count = session.scalar(select(func.count()).select_from(stmt))
    sample = session.execute(select(stmt.c.person_id, stmt.c.name, stmt.c.language).limit(SAMPLE_SIZE)).all()
    association = session.get(Association, campaign.association_id)
    languages = Counter()
    for language, n in session.execute(select(stmt.c.language, func.count()).group_by(stmt.c.language)):
        languages[message_language(campaign, association, language)] += n
    return {
        "count": count,
        "languages": dict(languages),
        "sample": [
            {"person_id": p, "name": n, "language": message_language(campaign, association, lang)}
            for p, n, lang in sample
        ],
    }


def schedule(session, caller, campaign_id, payload, *, daily_cap):
    data = load(schemas.CampaignSend, payload)
    now = utcnow()
    with session.begin():
        campaign = _locked_or_404(session, caller, campaign_id)
        if campaign.status not in EDITABLE:
            raise Conflict("The campaign is {status} already.", status=campaign.status)
        count = _audience_size(session, campaign)
        if not count:
            raise Conflict("Nobody in this segment has given the consent this campaign needs.")
        send_at = max(data.get("at") or now, now)
        cap.reserve(session, campaign, count, daily_cap, send_at)
        campaign.send_at = send_at
        campaign.status = "scheduled"
        session.flush()
        _announce(session, caller, campaign, "campaign.scheduled")
        return _view(session, campaign)


def cancel(session, caller, campaign_id):
    now = utcnow()
    with session.begin():
        campaign = _locked_or_404(session, caller, campaign_id)
        if campaign.status not in ("draft", "scheduled", "sending"):
            raise Conflict("A campaign that is {status} cannot be cancelled.", status=campaign.status)
        unsent = (
            session.execute(
                update(Delivery)
                .where(Delivery.campaign_id == campaign.id, Delivery.status == "queued")
                .values(status="failed", last_error="campaign cancelled")
            ).rowcount
            or 0
        )
        # what will not go out no longer counts against the day's cap
        going_out = max(0, campaign.cap_recipients - unsent) if campaign.status == "sending" else 0
        cap.settle(session, campaign, going_out, now)
        campaign.status = "cancelled"
        campaign.completed_at = now
        session.flush()
        _announce(session, caller, campaign, "campaign.cancelled")
        return _view(session, campaign)


def recipients(session, caller, campaign_id, query):
    q = load(schemas.RecipientQuery, query)
    campaign = _visible_or_404(session, caller, campaign_id)
    stmt = select(Delivery).where(Delivery.campaign_id == campaign.id)
    if q.get("status"):
        stmt = stmt.where(Delivery.status == q["status"])
    rows, total = paginate(session, stmt.order_by(Delivery.id), q["limit"], q["offset"])
    return page(dump(schemas.Recipient, rows, many=True), total, q["limit"], q["offset"])


def record_bounces(session, caller, campaign_id, payload):
    """Bounce reports fed back (from the mail provider's reports): hard bounces stop future campaign mail."""
    data = load(schemas.BounceReport, payload)
    now = utcnow()
    bounced, unknown = 0, []
    with session.begin():
        campaign = _visible_or_404(session, caller, campaign_id)
        for bounce in data["bounces"]:
            email = bounce["email"].strip().lower()
            row = session.scalar(
                select(Delivery).where(
                    Delivery.campaign_id == campaign.id, func.lower(Delivery.email) == email
                )
            )
            if row is None:
                unknown.append(bounce["email"])
                continue
            row.status = "bounced"
            row.last_error = f"{bounce['kind']} bounce: {bounce.get('reason') or 'reported'}"[:1000]
            bounced += 1
            if bounce["kind"] == "hard" and row.person_id:
                contact = session.get(Contact, row.person_id)
                if contact is not None and (contact.email or "").lower() == email:
                    contact.email_bounced_at = now
        summary = dict(_campaign_summary(campaign), bounced=bounced, unknown=len(unknown))
        publish(session, "campaign.bounces_recorded", summary, caller, campaign.association_id)
    return {"bounced": bounced, "unknown": unknown}


# --- background work -------------------------------------------------------------


def start_due(session, now=None, limit=5):
    """Materialise the recipients of campaigns whose time has come; returns the campaign ids started."""
    now = now or utcnow()
    started = []
    with session.begin():
        due = session.scalars(
            locked(
                session,
                select(Campaign)
                .where(Campaign.status == "scheduled", Campaign.send_at <= now)
                .order_by(Campaign.send_at)
                .limit(limit),
            )
        ).all()
        for campaign in due:
            people = audience(campaign.association_id, campaign.kind, campaign.segment, now).subquery()
            rows = select(
                literal(campaign.id).label("cause_id"),
                people.c.person_id,
                literal(CHANNEL).label("channel"),
                literal("campaign").label("kind"),
                literal(CAMPAIGN).label("priority"),
                literal(campaign.id).label("campaign_id"),
                literal(campaign.association_id).label("association_id"),
                people.c.person_id.label("pid"),
                people.c.email,
                people.c.name,
                people.c.language,
                literal("queued").label("status"),
                literal(0).label("attempts"),
                literal(now, UtcDateTime()).label("next_attempt_at"),
                literal(now, UtcDateTime()).label("created_at"),
            )
            result = session.execute(
                insert(Delivery).from_select(
                    [
                        "cause_id",
                        "recipient",
                        "channel",
                        "kind",
                        "priority",
                        "campaign_id",
                        "association_id",
                        "person_id",
                        "email",
                        "name",
                        "language",
                        "status",
                        "attempts",
                        "next_attempt_at",
                        "created_at",
                    ],
                    rows,
                )
            )
            campaign.recipient_count = result.rowcount or 0
            cap.settle(session, campaign, campaign.recipient_count, now)
            campaign.status = "sending"
            campaign.started_at = now
            started.append(campaign.id)
    return started


def complete_finished(session, now=None):
    """Campaigns with nothing left to send are done; each announces how far it reached."""
    now = now or utcnow()
    finished = []
    with session.begin():
        sending = session.scalars(locked(session, select(Campaign).where(Campaign.status == "sending"))).all()
        for campaign in sending:
            counts = progress(session, campaign.id)
            if counts["queued"] or counts["sending"]:
                continue
            campaign.status = "sent"
            campaign.completed_at = now
            publish(
                session,
                "campaign.completed",
                {
                    "campaign_id": campaign.id,
                    "association_id": campaign.association_id,
                    "code": campaign.code,
                    "name": campaign.name,
                    "kind": campaign.kind,
                    "recipients": counts["total"],
                    "sent": counts["sent"],
                    "failed": counts["failed"],
                    "bounced": counts["bounced"],
                    "started_at": campaign.started_at.isoformat() if campaign.started_at else None,
                    "completed_at": now.isoformat(),
                },
                None,
                campaign.association_id,
            )
            finished.append(campaign.id)
    return finished


def tag_links(text, code, own_hosts):
    """Add the campaign and channel code to every link to nabo's own hosts (``own_hosts``), so
    registrations can be attributed to the campaign; links to anyone else's site go out as written."""

    def tag(url):
        parts = urlsplit(url)
        if (parts.hostname or "").lower() not in own_hosts:
            return url
        query = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in ("campaign_code", "source_channel")
        ]
        query += [("campaign_code", code), ("source_channel", CHANNEL)]
        return urlunsplit(parts._replace(query=urlencode(query)))

    return rendering.URL_RE.sub(lambda m: tag(m.group(0)), text)


def render_for(campaign, association, language, own_hosts):
    """Subject and body of the campaign in the recipient's message language (nabo's own links tagged)."""
    language = message_language(campaign, association, language)
    content = campaign.contents[language]
    return language, content["subject"], tag_links(content["text"], campaign.code, own_hosts)
