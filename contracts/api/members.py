"""Members API: associations, organisations, memberships, persons, consents, auth."""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.api.common import (
    LANGUAGES,
    Country,
    Id,
    Input,
    Instant,
    Language,
    Output,
    Pattern,
    Text,
    TimeZone,
    WebAddress,
    theme_id_example,
    violations,
    where,
    without,
)
from nabo_common.api.pagination import PageQuery

ORG_KINDS = ("company", "public_body", "association", "research", "other")
REGISTRATION_KINDS = ("CVR", "KvK", "HRB", "HRA", "org.nr", "VAT", "other")
SIZE_BANDS = ("1", "2-9", "10-49", "50-249", "250+")
VISIBILITIES = ("association", "all_associations", "public")
MEMBERSHIP_TYPES = ("full", "associate", "start-up", "honorary", "partner")
MEMBERSHIP_STATUSES = ("pending", "active", "lapsed", "cancelled")
ORG_ROLES = ("contact", "owner", "employee", "ceo", "board")
CONSENT_KINDS = ("newsletter", "contact")


class AssociationCreate(Input):
    name = Text(200, required=True)
    slug = fields.String(required=True, validate=Pattern(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$",
                                                         error="Lower-case letters, digits and dashes."))
    country = fields.String(required=True, validate=Country)
    default_language = fields.String(required=True, validate=Language)
    time_zone = fields.String(required=True, validate=TimeZone)


class AssociationUpdate(Input):
    name = Text(200)
    default_language = fields.String(validate=Language)
    time_zone = fields.String(validate=TimeZone)


class Association(Output):
    id = fields.String(dump_only=True)
    name = fields.String()
    slug = fields.String()
    country = fields.String()
    default_language = fields.String()
    time_zone = fields.String()
    created_at = Instant(dump_only=True)


# the country whose register issues each kind of number, and the form of its numbers (their check digits
# are checked by services/members/domain/registry_numbers.py)
COUNTRY_OF_KIND = {"CVR": "DK", "KvK": "NL", "HRA": "DE", "HRB": "DE", "org.nr": "SE"}
# what each register's numbers look like once separators (which the service takes) are left aside
NUMBER_FORM = {
    "CVR": r"^[\s\-.,/:]*([Dd][\s\-.,/:]*[Kk][\s\-.,/:]*)?([0-9][\s\-.,/:]*){8}$",
    "KvK": r"^[\s.\-]*([0-9][\s.\-]*){8}$",
    "org.nr": r"^[\s.\-]*([0-9][\s.\-]*){10}$",
    "HRA": r"[Hh][Rr][Aa]",
    "HRB": r"[Hh][Rr][Bb]",
    "VAT": r"^[A-Za-z0-9 .\-/]{2,40}$",
    "other": r"^[A-Za-z0-9 .\-/]{2,40}$",
}
REGISTRATION_RULES = violations(
    without("registration_kind", "registration_number"),
    without("registration_number", "registration_kind"),
    *(where("registration_kind", [kind], properties={"country": {"not": {"enum": [country]}}},
            required=["country"])
      for kind, country in COUNTRY_OF_KIND.items()),
    *(where("registration_kind", [kind], properties={"registration_number": {"not": {"pattern": form}}},
            required=["registration_number"])
      for kind, form in NUMBER_FORM.items()),
)


class OrganisationCreate(Input):
    json_schema = REGISTRATION_RULES
    owner_association_id = Id(metadata={"description": "Defaults to the association the admin administers."})
    kind = fields.String(load_default="company", validate=validate.OneOf(ORG_KINDS))
    name = Text(200, required=True)
    registration_kind = fields.String(validate=validate.OneOf(REGISTRATION_KINDS))
    registration_number = fields.String(validate=validate.Length(min=2, max=80), metadata={"description": (
        "Checked by its register and stored in its normal form: CVR (DK) and KvK (NL) 8 digits, org.nr (SE) "
        "10 digits with its check digit, HRA/HRB (DE) the court and number such as "
        "'Amtsgericht Köln HRB 12345'. A register's numbers belong to its country (CVR DK, KvK NL, HRA "
        "and HRB DE, org.nr SE). Unique within the registering association.")})
    country = fields.String(required=True, validate=Country)
    region = Text(100)
    sector = fields.String(validate=Pattern(r"^[A-U](\d{2}(\.\d{1,2})?)?$|^\d{2}(\.\d{1,2})?$",
                                            error="Use a NACE code such as 62.01 or J."))
    size_band = fields.String(validate=validate.OneOf(SIZE_BANDS))
    website = WebAddress(schemes={"http", "https"}, validate=validate.Length(max=300))
    description = fields.String(validate=validate.Length(max=5000))
    languages = fields.List(fields.String(validate=Language), validate=validate.Length(max=5))
    visibility = fields.String(load_default="association", validate=validate.OneOf(VISIBILITIES))
    themes = fields.List(
        Id(),
        validate=validate.Length(max=20),
        metadata=theme_id_example(
            {"description": "Theme ids of the taxonomy (GET /v1/themes) the organisation is about."},
            many=True,
        ),
    )

    @validates_schema
    def registration_pair(self, data, **kwargs):
        if bool(data.get("registration_kind")) != bool(data.get("registration_number")):
            raise ValidationError(
                "Give both registration_kind and registration_number, or neither.", "registration_number"
            )


class OrganisationUpdate(OrganisationCreate):
    class Meta:
        exclude = ("owner_association_id",)

    name = Text(200)
    country = fields.String(validate=Country)
    kind = fields.String(validate=validate.OneOf(ORG_KINDS))
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))


class MembershipSummary(Output):
    id = fields.String()
    association_id = fields.String()
    type = fields.String()
    status = fields.String()


class Organisation(Output):
    id = fields.String(dump_only=True)
    owner_association_id = fields.String(dump_only=True)
    kind = fields.String()
    name = fields.String()
    registration_kind = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    country = fields.String()
    region = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    size_band = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    visibility = fields.String()
    themes = fields.List(fields.String())
    memberships = fields.List(fields.Nested(MembershipSummary), dump_only=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class OrganisationQuery(PageQuery):
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Text in name or description."}
    )
    sector = fields.String(validate=Pattern(r"^[A-U0-9][0-9.]{0,4}$"))
    country = fields.String(validate=Country)
    region = fields.String(validate=validate.Length(max=100))
    association_id = Id(metadata={"description": "Only organisations with a membership in this association."})


class MembershipCreate(Input):
    organisation_id = Id(required=True)
    association_id = Id(required=True)
    type = fields.String(required=True, validate=validate.OneOf(MEMBERSHIP_TYPES))
    start_date = fields.Date()
    end_date = fields.Date()

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            raise ValidationError("end_date must not be before start_date.", "end_date")


class MembershipUpdate(Input):
    type = fields.String(validate=validate.OneOf(MEMBERSHIP_TYPES))
    end_date = fields.Date(allow_none=True)


class MembershipTransitionCreate(Input):
    to = fields.String(required=True, validate=validate.OneOf(MEMBERSHIP_STATUSES))
    effective_date = fields.Date(metadata={"description": "Defaults to today."})
    reason = fields.String(validate=validate.Length(max=500))


class MembershipRenewal(Input):
    end_date = fields.Date(required=True)


class MembershipTransition(Output):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    effective_date = fields.Date()
    reason = fields.String(allow_none=True)
    at = Instant()


class Membership(Output):
    id = fields.String(dump_only=True)
    organisation_id = fields.String()
    association_id = fields.String()
    type = fields.String()
    status = fields.String(dump_only=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    transitions = fields.List(fields.Nested(MembershipTransition), dump_only=True)


class MembershipQuery(PageQuery):
    association_id = Id()
    organisation_id = Id()
    status = fields.String(validate=validate.OneOf(MEMBERSHIP_STATUSES))


class OrganisationRole(Input):
    organisation_id = Id(required=True)
    role = fields.String(load_default="contact", validate=validate.OneOf(ORG_ROLES))


class PersonCreate(Input):
    name = Text(200, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    phone = fields.String(
        validate=Pattern(r"^\+?[0-9 ()\-]{5,30}$", error="Use digits, spaces and an optional +.")
    )
    language = fields.String(load_default="en", validate=Language)
    birth_year = fields.Integer(validate=validate.Range(min=1900, max=2100))
    home_association_id = Id()
    organisations = fields.List(
        fields.Nested(OrganisationRole), validate=validate.Length(max=20), load_default=list
    )
    password = fields.String(
        load_only=True,
        validate=validate.Length(min=10, max=200),
        metadata={"description": "Initial password for signing in (10+ characters)."},
    )


class PersonUpdate(Input):
    name = Text(200)
    email = fields.Email(validate=validate.Length(max=320))
    phone = fields.String(allow_none=True, validate=Pattern(r"^\+?[0-9 ()\-]{5,30}$"))
    language = fields.String(validate=Language)
    birth_year = fields.Integer(allow_none=True, validate=validate.Range(min=1900, max=2100))
    password = fields.String(
        load_only=True,
        validate=validate.Length(min=10, max=200),
        metadata={"description": "Only the person themself sets their password (403 for anyone else)."},
    )


class PersonRoleGrant(Input):
    # associations have admins, organisations have the organisation roles
    json_schema = violations(
        where("scope", ["association"], properties={"role": {"not": {"enum": ["admin"]}}}, required=["role"]),
        where("scope", ["organisation"], properties={"role": {"enum": ["admin"]}}, required=["role"]),
    )
    scope = fields.String(required=True, validate=validate.OneOf(["organisation", "association"]))
    scope_id = Id(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ORG_ROLES + ("admin",)))


class PersonRole(Output):
    scope = fields.String()
    scope_id = fields.String()
    role = fields.String()


class Person(Output):
    id = fields.String(dump_only=True)
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    language = fields.String()
    birth_year = fields.Integer(allow_none=True)
    home_association_id = fields.String(allow_none=True)
    roles = fields.List(fields.Nested(PersonRole), dump_only=True)
    erased = fields.Boolean(dump_only=True)
    created_at = Instant(dump_only=True)


class PersonQuery(PageQuery):
    q = fields.String(validate=validate.Length(min=1, max=100))
    association_id = Id()
    organisation_id = Id()


class ConsentCreate(Input):
    association_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CONSENT_KINDS))
    granted = fields.Boolean(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1, max=100))
    wording_version = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ConsentRecord(Output):
    association_id = fields.String()
    kind = fields.String()
    granted = fields.Boolean()
    source = fields.String()
    wording_version = fields.String()
    recorded_at = Instant()


class ConsentState(Output):
    current = fields.List(fields.Nested(ConsentRecord))
    history = fields.List(fields.Nested(ConsentRecord))


class TokenRequest(Input):
    email = fields.Email(required=True, validate=validate.Length(max=320))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class Token(Output):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class Me(Output):
    person = fields.Nested(Person)
    roles = fields.List(fields.String())
    admin_of = fields.List(fields.String())
    member_of = fields.List(fields.String())
    organisation_ids = fields.List(fields.String())
    language = fields.String(validate=validate.OneOf(LANGUAGES))


class CalendarFeedLink(Output):
    kind = fields.String(validate=validate.OneOf(("association", "network")))
    id = fields.String()
    url = fields.String(metadata={"description": "The feed with the token in its query string."})
    webcal_url = fields.String(
        metadata={
            "description": (
                "The same feed as a webcal:// link, which opens the subscription dialogue of Apple and "
                "Outlook "
                "calendars."
            )
        }
    )


class CalendarToken(Output):
    token = fields.String(metadata={"description": "Shown once; only its hash is kept."})
    created_at = Instant()
    feeds = fields.List(
        fields.Nested(CalendarFeedLink),
        metadata={
            "description": "Ready-made subscription URLs of the associations and "
            "networks the person belongs to."
        },
    )


class CalendarTokenState(Output):
    active = fields.Boolean(metadata={"description": "Whether the person has a calendar feed token."})
    created_at = Instant(allow_none=True)


class AuditQuery(PageQuery):
    action = fields.String(
        validate=validate.Length(min=3, max=100),
        metadata={"description": "Only this kind of change, e.g. `membership.status_changed`."},
    )
    actor_id = Id(metadata={"description": "Only changes made by this person."})
    since = fields.AwareDateTime(metadata={"description": "Only changes at or after this time."})
    until = fields.AwareDateTime(metadata={"description": "Only changes before this time."})


class AuditEntry(Output):
    id = fields.String(dump_only=True)
    event_id = fields.String(metadata={"description": "The event that recorded the change."})
    association_id = fields.String(allow_none=True)
    actor_id = fields.String(
        allow_none=True, metadata={"description": "Who made the change; null for the system."}
    )
    action = fields.String(metadata={"description": "What kind of change, as the event type."})
    source = fields.String(metadata={"description": "The service where it happened."})
    subject_id = fields.String(allow_none=True, metadata={"description": "The id of what was changed."})
    details = fields.Dict(metadata={"description": "A summary of the change without personal data."})
    occurred_at = Instant()


class MemberImport(Input):
    csv = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500_000),
        metadata={
            "description": "A header row naming organisation_name, country, registration_number (optionally "
            "registration_kind), contact_name, contact_email, membership_status (pending, active, "
            "lapsed, cancelled) and optionally membership_type (default full); one member a line."
        },
    )


class MemberImportQuery(Input):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "Answer what would change without writing anything."}
    )


class MemberImportLine(Output):
    line = fields.Integer()
    organisation_id = fields.String()
    organisation = fields.String(metadata={"description": "created or present"})
    person_id = fields.String()
    person = fields.String(metadata={"description": "created or present"})
    membership_id = fields.String()
    membership = fields.String(metadata={"description": "created or present"})


class MemberImportResult(Output):
    dry_run = fields.Boolean()
    lines = fields.List(fields.Nested(MemberImportLine))
    errors = fields.Dict(
        metadata={
            "description": 'Per "line N", the refused fields (dry run only; a real run with errors is 422).'
        }
    )
    created = fields.Dict(keys=fields.String(), values=fields.Integer())
    present = fields.Dict(keys=fields.String(), values=fields.Integer())
