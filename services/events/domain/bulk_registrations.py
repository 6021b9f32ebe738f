"""Organisers register many people at once, from a JSON list or a CSV table: all or nothing. Every entry
goes through the rules of a single registration (whose registration it makes, answers, capacity and
waitlist, one active registration per person or address) in one transaction under the event's lock;
when any entry is refused, nothing is registered and the answer names every refused entry and field."""
from contracts.api import events as schemas
from nabo_common.api import csv_tables
from nabo_common.api.errors import NaboError, ValidationFailed
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.events.domain import access, registrants, registrations
from services.events.domain.common import idempotent_calls, publish
from services.events.domain.names import attachment_names

# header names of a registration list, lower-cased
COLUMNS = {
    "name": ("name", "full name", "participant"),
    "email": ("email", "e-mail", "email address"),
    "language": ("language", "lang"),
    "person_id": ("person_id", "person id"),
    "source_channel": ("source_channel", "source channel", "channel"),
    "campaign_code": ("campaign_code", "campaign code", "campaign"),
}


def _problems(error):
    """A refused entry's messages, per field where the error names fields."""
    return error.errors or {"_entry": [error.detail]}


def _named(data):
    if "person_id" not in data and not data.get("email"):
        raise csv_tables.LineInvalid({"email": ["Give the e-mail address, or a person_id."]})
    return data


def _csv_entry(cells):
    # an empty cell is no value: person_id left out, not null
    try:
        return _named(
            load(schemas.RegistrationCreate, {field: value for field, value in cells.items() if value})
        )
    except ValidationFailed as invalid:
        raise csv_tables.LineInvalid(invalid.errors) from None


def _position(label):
    return label if isinstance(label, int) else int(label.split()[-1])


def _register_all(session, caller, event_id, entries, link, people, key, errors=None, call_key=None):
    """``entries`` are (label, data) pairs; ``key`` names the list in the errors, ``errors`` holds the
    entries refused already (the others are still tried, so one answer names every refused entry). A retry
    with the same ``call_key`` (the request's Idempotency-Key) returns the first result."""
    errors = dict(errors or {})
    with session.begin():
        event = access.event_or_404(session, caller, event_id)
        resolved = []
        for label, data in entries:
            try:
                resolved.append((label, data, registrants.resolve(caller, event, data, people)))
            except NaboError as refused:
                errors[label] = _problems(refused)
    operation = f"register_all:{key}"
    attachment_names.warm(people)

    def write():
        event = registrations.open_for(session, caller, event_id)
        created = []
        for label, data, registrant in resolved:
            try:
                created.append(registrations.add(session, caller, event, registrant, data, link))
            except NaboError as refused:
                errors[label] = _problems(refused)
        if errors:
            # leaving the block by the exception rolls back every registration and its event
            in_order = dict(sorted(errors.items(), key=lambda item: _position(item[0])))
            raise ValidationFailed(
                "{count} registration(s) are refused; nothing was registered.", {key: in_order},
                count=len(in_order))
        counts = {
            "registered": len(created),
            "confirmed": sum(r["status"] == "confirmed" for r in created),
            "waitlisted": sum(r["status"] == "waitlisted" for r in created),
        }
        # for the audit trail: how many, not who (each registration publishes its own event)
        publish(session, "registrations.imported", dict(
            counts, event_id=event.id, association_ids=event.association_ids, source=key),
            caller, event.association_ids[0])
        return dict(counts, items=created)

    with session.begin():
        return idempotent_calls.once(session, call_key, operation, write)


def register_many(session, caller, event_id, payload, link=None, people=None, call_key=None):
    """``payload``: ``{"registrations": [RegistrationCreate, ...]}``; errors are keyed by list index."""
    with session.begin():
        access.managed_event_or_404(session, caller, event_id)
    data = load(schemas.BulkRegistrationCreate, payload)
    link = load(schemas.RegistrationLink, link or {})
    entries, errors = [], {}
    for index, entry in enumerate(data["registrations"]):
        try:
            entries.append((index, _named(entry)))
        except csv_tables.LineInvalid as invalid:
            errors[index] = invalid.problems
    return _register_all(session, caller, event_id, entries, link, people, "registrations", errors, call_key)


def import_csv(session, caller, event_id, payload, link=None, people=None, call_key=None):
    """``payload``: ``{"csv": "..."}``; errors are keyed by ``"line N"``."""
    with session.begin():
        access.managed_event_or_404(session, caller, event_id)
    data = load(schemas.RegistrationImport, payload)
    link = load(schemas.RegistrationLink, link or {})
    table, errors = csv_tables.read_lines(
        data["csv"], COLUMNS, ("email", "person_id"), lambda cells, line: (f"line {line}", _csv_entry(cells))
    )
    if len(table) + len(errors) > schemas.MAX_BULK_REGISTRATIONS:
        raise ValidationFailed(
            "The CSV has too many lines.",
            {"csv": [N_("At most {limit} registrations at once.").format(
                limit=schemas.MAX_BULK_REGISTRATIONS)]},
        )
    return _register_all(session, caller, event_id, table, link, people, "csv", errors, call_key)
