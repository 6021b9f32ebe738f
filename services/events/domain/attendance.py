"""Who was there: check-in of registered people, named walk-ins, anonymous
head counts, and online joins imported from a meeting platform's CSV."""
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from contracts.api import events as schemas
from nabo_common.api import csv_tables
from nabo_common.api.errors import Conflict, ValidationFailed
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_
from services.events.domain import access
from services.events.domain.common import normalise_email, publish, utcnow
from services.events.models import Attendance, Registration

# header names used by common meeting platforms' participant exports, lower-cased
COLUMNS = {
    "name": ("name", "name (original name)", "participant", "display name", "full name"),
    "email": ("email", "e-mail", "user email", "email address", "attendee email"),
    "joined_at": ("joined_at", "join time", "joined", "first join"),
    "duration_minutes": ("duration_minutes", "duration (minutes)", "duration", "minutes"),
}
LOCAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y %H:%M",
)


def summary(session, event):
    rows = session.scalars(
        select(Attendance)
        .where(Attendance.event_id == event.id)
        .order_by(Attendance.created_at, Attendance.id)
    ).all()
    registered = sum(1 for a in rows if a.registration_id)
    confirmed = (
        session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id, Registration.status == "confirmed")
        )
        or 0
    )
    attended_confirmed = (
        session.scalar(
            select(func.count())
            .select_from(Attendance)
            .join(Registration, Registration.id == Attendance.registration_id)
            .where(Attendance.event_id == event.id, Registration.status == "confirmed")
        )
        or 0
    )
    return {
        "attendees": sum(a.headcount for a in rows),
        "registered_attendees": registered,
        "walk_ins": sum(a.headcount for a in rows if not a.registration_id),
        "online_joins": sum(a.headcount for a in rows if a.kind == "online"),
        "anonymous": sum(a.headcount for a in rows if a.kind == "anonymous"),
        "registrations": confirmed,
        "no_shows": confirmed - attended_confirmed if event.starts_at <= utcnow() else 0,
        "items": dump(schemas.Attendance, rows, many=True),
    }


def get(session, caller, event_id):
    return summary(session, access.managed_event_or_404(session, caller, event_id))


def _registration_of(session, event, registration_id=None, email=None):
    stmt = select(Registration).where(Registration.event_id == event.id, Registration.status != "cancelled")
    if registration_id:
        return session.scalar(stmt.where(Registration.id == registration_id))
    if email:
        return session.scalar(stmt.where(Registration.email_lower == email))
    return None


def _already_attended(session, event, registration=None, email=None):
    stmt = select(Attendance.id).where(Attendance.event_id == event.id)
    if registration is not None:
        return session.scalar(stmt.where(Attendance.registration_id == registration.id)) is not None
    if email:
        return session.scalar(stmt.where(Attendance.email_lower == email)) is not None
    return False


def _check_in(event, registration, kind, **extra):
    return Attendance(
        event_id=event.id,
        registration_id=registration.id,
        person_id=registration.person_id,
        kind=kind,
        name=registration.name,
        email_lower=registration.email_lower,
        source_channel=registration.source_channel,
        **extra,
    )


def _event_taking_attendance(session, caller, event_id):
    event = access.managed_event_or_404(session, caller, event_id, lock=True)
    if event.status not in ("published", "completed"):
        raise Conflict(
            "Attendance is recorded for published or completed events; this one is {status}.",
            status=event.status,
        )
    return event


def record(session, caller, event_id, payload):
    data = load(schemas.AttendanceCreate, payload)
    with session.begin():
        event = _event_taking_attendance(session, caller, event_id)
        email = normalise_email(data.get("email"))
        if data.get("anonymous_count"):
            row = Attendance(
                event_id=event.id,
                kind="anonymous",
                headcount=data["anonymous_count"],
                source_channel=data.get("source_channel"),
            )
        else:
            registration = _registration_of(session, event, data.get("registration_id"), email)
            if data.get("registration_id") and registration is None:
                raise ValidationFailed(
                    "Unknown registration.", {"registration_id": ["No such registration here."]}
                )
            if _already_attended(session, event, registration, email):
                raise Conflict("This person is checked in already.")
            if registration is not None:
                row = _check_in(event, registration, "check_in")
            else:
                row = Attendance(
                    event_id=event.id,
                    kind="walk_in",
                    name=data["name"],
                    email_lower=email,
                    source_channel=data.get("source_channel"),
                )
        session.add(row)
        session.flush()
        publish(
            session,
            "attendance.recorded",
            {
                "event_id": event.id,
                "association_ids": event.association_ids,
                "attendance_id": row.id,
                "kind": row.kind,
                "registration_id": row.registration_id,
                "headcount": row.headcount,
            },
            caller,
            event.association_ids[0],
        )
        return summary(session, event)


def _parse_time(raw, zone):
    raw = raw.strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
        for fmt in LOCAL_FORMATS:
            try:
                moment = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            raise ValueError(
                N_("joined_at is not a date and time (use ISO 8601 such as 2024-03-05T10:02:00+01:00).")
            )
    # platform exports give local wall time: read it in the event's zone
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _participant(zone):
    def read_line(cells, line):
        name, email = cells.get("name") or None, normalise_email(cells.get("email"))
        row = {"line": line, "name": name, "email": email, "joined_at": None, "duration_minutes": None}
        problems = []
        if not name and not email:
            problems.append(N_("a participant needs a name or an e-mail."))
        if email and ("@" not in email or len(email) > 320):
            problems.append(N_("'{email}' is not an e-mail address.").format(email=cells["email"]))
        if name and len(name) > 200:
            problems.append(N_("the name is longer than 200 characters."))
        if cells.get("joined_at"):
            try:
                row["joined_at"] = _parse_time(cells["joined_at"], zone)
            except ValueError as exc:
                problems.append(str(exc))
        if cells.get("duration_minutes"):
            try:
                row["duration_minutes"] = int(float(cells["duration_minutes"]))
                if not 0 <= row["duration_minutes"] <= 60 * 24:
                    raise ValueError
            except ValueError:
                problems.append("duration_minutes must be a whole number of minutes (0-1440).")
        if problems:
            raise csv_tables.LineInvalid(problems)
        return row

    return read_line


def parse_participants(text, zone):
    """Rows of {line, name, email, joined_at, duration_minutes}; ValidationFailed lists bad lines."""
    return csv_tables.read(text, COLUMNS, ("name", "email"), _participant(zone))


def import_participants(session, caller, event_id, payload):
    data = load(schemas.AttendanceImport, payload)
    with session.begin():
        event = _event_taking_attendance(session, caller, event_id)
        rows = parse_participants(data["csv"], ZoneInfo(event.time_zone))
        seen, matched, added, duplicates = set(), 0, 0, 0
        for row in rows:
            # people re-join video meetings: one person counts once
            key = row["email"] or f"name:{row['name'].lower()}"
            registration = _registration_of(session, event, email=row["email"]) if row["email"] else None
            if (
                key in seen
                or _already_attended(session, event, registration, row["email"])
                or (not row["email"] and _named_walk_in_exists(session, event, row["name"]))
            ):
                duplicates += 1
                continue
            seen.add(key)
            extra = {"joined_at": row["joined_at"], "duration_minutes": row["duration_minutes"]}
            if registration is not None:
                session.add(_check_in(event, registration, "online", **extra))
                matched += 1
            else:
                session.add(
                    Attendance(
                        event_id=event.id,
                        kind="online",
                        name=row["name"] or row["email"],
                        email_lower=row["email"],
                        **extra,
                    )
                )
                added += 1
            session.flush()
        counts = {
            "rows": len(rows),
            "matched_registrations": matched,
            "added_walk_ins": added,
            "duplicates": duplicates,
        }
        publish(
            session,
            "attendance.imported",
            dict(counts, event_id=event.id, association_ids=event.association_ids),
            caller,
            event.association_ids[0],
        )
        return dict(counts, summary=summary(session, event))


def _named_walk_in_exists(session, event, name):
    return (
        session.scalar(
            select(Attendance.id).where(
                Attendance.event_id == event.id,
                Attendance.registration_id.is_(None),
                func.lower(Attendance.name) == name.lower(),
            )
        )
        is not None
    )
