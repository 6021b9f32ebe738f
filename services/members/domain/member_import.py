"""Member companies from a CSV table, one line each: the organisation, its contact person and its
membership in the importing association, in the status the line gives. Each is made by the same domain
function as through the API (so its validation applies), in one transaction: each function's own
transaction becomes a savepoint of it. What exists already (the organisation by country and registration
number, the person by e-mail, the membership) is used, not made again. A dry run answers the same and
rolls everything back; a real run with any bad line writes nothing."""
from sqlalchemy import select

from contracts.api import members as schemas
from nabo_common.api import csv_tables
from nabo_common.api.errors import NaboError, ValidationFailed
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from nabo_common.persistence import db
from services.members.domain import access, memberships, organisations, persons
from services.members.domain.accounts import normalise_email
from services.members.domain.common import publish
from services.members.models import Membership, Organisation, Person

# the columns, by their lower-cased header names
HEADERS = {
    "organisation_name": ("organisation_name", "organisation", "organization", "company", "name"),
    "country": ("country",),
    "registration_kind": ("registration_kind", "registry"),
    "registration_number": ("registration_number", "registry_number", "registry number", "cvr", "vat"),
    "contact_name": ("contact_name", "contact person", "contact"),
    "contact_email": ("contact_email", "contact e-mail", "email", "e-mail"),
    "membership_status": ("membership_status", "status"),
    "membership_type": ("membership_type", "type"),
}
REQUIRED = ("organisation_name", "country", "contact_name", "contact_email", "membership_status")
# from pending, the transitions that reach each status
PATH = {"pending": (), "active": ("active",), "lapsed": ("active", "lapsed"), "cancelled": ("cancelled",)}
MAX_LINES = 1000
# the domain functions' field names, as the table's columns
PERSON_COLUMNS = {"name": "contact_name", "email": "contact_email"}
ORGANISATION_COLUMNS = {"name": "organisation_name"}
MEMBERSHIP_COLUMNS = {"type": "membership_type"}


def _as_columns(step, columns, *args):
    """``step(*args)``, its refusal naming the table's columns rather than the domain's fields."""
    try:
        return step(*args)
    except NaboError as refused:
        refused.errors = {columns.get(field, field): messages for field, messages in refused.errors.items()}
        raise


class _Savepoints:
    """The import's session as the domain functions see it: their ``begin()`` opens a savepoint of the
    import's one transaction, so a refused step undoes itself and the import still commits all or nothing."""

    def __init__(self, session):
        self._session = session

    def begin(self):
        return self._session.begin_nested()

    def __getattr__(self, name):
        return getattr(self._session, name)


def lines(text):
    """(line number, {field: value}) of each non-blank line; a header without the required columns is
    ValidationFailed."""
    header, body = csv_tables.table(text)
    columns = csv_tables.column_map(header, HEADERS)
    missing = [field for field in REQUIRED if field not in columns]
    if missing:
        raise ValidationFailed(
            "The CSV lacks columns.", {"csv": {"line 1": {f: [N_("Missing column.")] for f in missing}}}
        )
    if len(body) > MAX_LINES:
        raise ValidationFailed(
            "The CSV has too many lines.", {"csv": [
                N_("At most {MAX_LINES} members at once.").format(MAX_LINES=MAX_LINES)]}
        )
    return [
        (number, {field: row[index].strip() for field, index in columns.items() if index < len(row)})
        for number, row in body
    ]


def _organisation(session, caller, association_id, line):
    number = line.get("registration_number") or None
    existing = (
        session.scalar(
            select(Organisation).where(
                Organisation.country == line["country"].upper(),
                Organisation.registration_number == number,
                Organisation.erased.is_(False),
            )
        )
        if number
        else None
    )
    if existing is not None and access.can_see_organisation(caller, existing):
        return existing.id, "present"
    payload = {
        "name": line["organisation_name"],
        "country": line["country"].upper(),
        "owner_association_id": association_id,
    }
    payload.update({key: line[key] for key in ("registration_kind", "registration_number") if line.get(key)})
    return organisations.create(session, caller, payload)["id"], "created"


def _person(session, caller, association_id, organisation_id, line):
    existing = session.scalar(select(Person).where(Person.email == normalise_email(line["contact_email"])))
    if existing is not None:
        return existing.id, "present"
    created = persons.create(
        session,
        caller,
        {
            "name": line["contact_name"],
            "email": line["contact_email"],
            "home_association_id": association_id,
            "organisations": [{"organisation_id": organisation_id, "role": "contact"}],
        },
    )
    return created["id"], "created"


def _membership(session, caller, association_id, organisation_id, line):
    status = line["membership_status"].lower()
    if status not in PATH:
        raise ValidationFailed(
            "Unknown membership status.", {"membership_status": [
                N_("Must be one of: {choices}.").format(choices=', '.join(PATH))]}
        )
    existing = session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.association_id == association_id
        )
    )
    if existing is not None:
        return existing.id, "present"
    created = memberships.create(
        session,
        caller,
        {
            "organisation_id": organisation_id,
            "association_id": association_id,
            "type": line.get("membership_type") or "full",
        },
    )
    for step in PATH[status]:
        memberships.transition(session, caller, created["id"], {"to": step, "reason": "imported"})
    return created["id"], "created"


def _import_line(session, caller, association_id, line):
    missing = {field: ["Missing data for required field."] for field in REQUIRED if not line.get(field)}
    if missing:
        raise ValidationFailed("A required value is missing.", missing)
    organisation_id, organisation = _as_columns(
        _organisation, ORGANISATION_COLUMNS, session, caller, association_id, line
    )
    person_id, person = _as_columns(
        _person, PERSON_COLUMNS, session, caller, association_id, organisation_id, line
    )
    membership_id, membership = _as_columns(
        _membership, MEMBERSHIP_COLUMNS, session, caller, association_id, organisation_id, line
    )
    return {
        "organisation_id": organisation_id,
        "organisation": organisation,
        "person_id": person_id,
        "person": person,
        "membership_id": membership_id,
        "membership": membership,
    }


def _outcome(results, errors, dry_run):
    def count(what, state):
        return sum(1 for r in results if r[what] == state)

    return {
        "dry_run": dry_run,
        "lines": results,
        "errors": errors,
        "created": {what: count(what, "created") for what in ("organisation", "person", "membership")},
        "present": {what: count(what, "present") for what in ("organisation", "person", "membership")},
    }


def import_members(session, caller, association_id, payload, query=None):
    """``payload``: ``{"csv": "..."}``; ``query``: ``{"dry_run": bool}``."""
    access.require_admin_of(caller, association_id)
    data = load(schemas.MemberImport, payload)
    dry_run = load(schemas.MemberImportQuery, query or {})["dry_run"]
    table = lines(data["csv"])
    steps = _Savepoints(session)
    results, errors = [], {}
    transaction = session.begin()
    db.begin_before_savepoints(session, Organisation.__table__)
    try:
        for number, line in table:
            try:
                results.append(dict(_import_line(steps, caller, association_id, line), line=number))
            except NaboError as refused:
                errors[f"line {number}"] = refused.errors or {"_line": [refused.detail]}
        outcome = _outcome(results, errors, dry_run)
        if errors and not dry_run:
            raise ValidationFailed(
                "{count} line(s) are refused; nothing was imported.", {"csv": errors},
                count=len(errors))
    except BaseException:
        transaction.rollback()
        raise
    if dry_run:
        transaction.rollback()
        return outcome
    publish(session, "members.imported", {
        "association_id": association_id, "rows": len(table),
        "created": outcome["created"], "present": outcome["present"]}, caller, association_id)
    transaction.commit()
    return outcome
