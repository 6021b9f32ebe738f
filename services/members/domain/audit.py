"""The audit trail: who changed what, when, per association.

Entries are made from the events every service publishes through its outbox
(the types: ``services/members/subscriptions.py``), so the trail holds exactly the
committed changes. Details keep ids, states and names of organisations and
bodies, never personal data: an erased person stays an anonymous id here.
"""
from sqlalchemy import select

from contracts.api import members as schemas
from nabo_common.api.pagination import page, paginate
from nabo_common.api.validation import dump, load
from nabo_common.messaging import envelopes
from services.members.domain import access
from services.members.models import AuditEntry

# summary fields that carry no personal data, whatever the event
SAFE_DETAIL_KEYS = frozenset({
    "status", "previous_status", "phase", "previous_phase", "decision", "changed", "changes", "type", "kind",
    "visibility", "activity", "join_policy", "sequence", "recipients", "sent", "failed", "bounced", "slug",
    "key", "title", "country", "default_language", "time_zone", "effective_date", "end_date", "starts_at",
    "ends_at", "planned_events", "budget_amount_minor", "currency", "granted", "source", "wording_version",
    "scope", "role", "send_at", "code", "date", "amount_minor", "rows", "matched_registrations",
    "added_walk_ins", "duplicates", "headcount", "unknown", "host", "event_types", "registered", "confirmed",
    "waitlisted", "created", "present", "scheduled", "unplaced", "published", "participants",
    "mode", "scheduling", "meeting_minutes", "tables", "max_meetings_per_participant", "reminded", "draft",
})
# events whose ``name`` names an organisation, an association, a network or a campaign, not a person
NAMED_SUBJECTS = ("association.", "organisation.", "network.created", "network.updated", "campaign.",
                  "programme.")


# the subject is the ``<first word of the type>_id`` of the event, but for these
SUBJECTS = {"attendance.imported": "event_id", "attendance.recorded": "event_id",
            "registrations.imported": "event_id", "meeting_market.scheduled": "event_id",
            "meeting_market.published": "event_id", "meeting_market.configured": "event_id",
            "meeting_market.profiles_reminded": "event_id", "members.imported": "association_id",
            "consent.changed": "person_id", "preferences.updated": "person_id",
            "calendar_token.issued": "person_id", "calendar_token.revoked": "person_id"}


def _associations(envelope):
    data = envelope["data"]
    ids = {envelope.get("association_id"), data.get("association_id"), data.get("owner_association_id")}
    ids.update(data.get("association_ids") or ())
    ids.discard(None)
    return sorted(ids) or [None]  # None: a platform-level change (the shared theme taxonomy)


def _details(action, data):
    details = {}
    for key, value in data.items():
        if key in SAFE_DETAIL_KEYS or key.endswith(("_id", "_ids")):
            details[key] = value
        elif key == "name" and action.startswith(NAMED_SUBJECTS):
            details[key] = value
    return details


def record(session, envelope):
    """Add the entries for one event (call inside the consumer's transaction, after the inbox check)."""
    action = envelope["type"]
    data = dump(envelopes.get_type(action).schema, envelope["data"])  # JSON-ready: dates as ISO strings
    subject_id = data.get(SUBJECTS.get(action, f"{action.split('.', 1)[0]}_id"))
    details = _details(action, data)
    for association_id in _associations(envelope):
        session.add(AuditEntry(
            event_id=envelope["id"], association_id=association_id, actor_id=envelope.get("actor_id"),
            action=action, source=envelope["source"], subject_id=str(subject_id) if subject_id else None,
            details=details, occurred_at=envelope["occurred_at"],
        ))


def list_for_association(session, caller, association_id, query):
    access.require_admin_of(caller, association_id)
    q = load(schemas.AuditQuery, query)
    stmt = select(AuditEntry).where(AuditEntry.association_id == str(association_id))
    if q.get("action"):
        stmt = stmt.where(AuditEntry.action == q["action"])
    if q.get("actor_id"):
        stmt = stmt.where(AuditEntry.actor_id == q["actor_id"])
    if q.get("since"):
        stmt = stmt.where(AuditEntry.occurred_at >= q["since"])
    if q.get("until"):
        stmt = stmt.where(AuditEntry.occurred_at < q["until"])
    stmt = stmt.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id)
    rows, total = paginate(session, stmt, q["limit"], q["offset"])
    return page(dump(schemas.AuditEntry, rows, many=True), total, q["limit"], q["offset"])
