"""Events published by the members service."""
from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type

LANG = validate.OneOf(["da", "nl", "de", "sv", "en"])


class _Strict(Schema):
    class Meta:
        ordered = True


@event_type("association.created", "members", "A platform admin created an association (tenant).")
@event_type("association.updated", "members", "An association's settings changed.")
class AssociationData(_Strict):
    association_id = fields.String(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    country = fields.String(required=True)
    default_language = fields.String(required=True, validate=LANG)
    time_zone = fields.String(required=True)


@event_type("organisation.created", "members", "An organisation was registered.")
@event_type("organisation.updated", "members", "An organisation's profile changed.")
class OrganisationData(_Strict):
    organisation_id = fields.String(required=True)
    owner_association_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    country = fields.String(required=True)
    region = fields.String(allow_none=True, load_default=None)
    sector = fields.String(allow_none=True, load_default=None)
    visibility = fields.String(required=True)
    changed = fields.List(fields.String(), load_default=list)
    themes = fields.List(
        fields.String(), metadata={"description": "Profile theme ids; present when they changed."}
    )


@event_type("membership.created", "members", "An organisation applied for or was given a membership.")
@event_type("membership.updated", "members", "A membership's type or end date changed.")
@event_type(
    "membership.status_changed",
    "members",
    "A membership moved between pending, active, lapsed and cancelled (dated).",
)
class MembershipData(_Strict):
    membership_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    association_id = fields.String(required=True)
    type = fields.String(required=True)
    status = fields.String(required=True)
    previous_status = fields.String(allow_none=True, load_default=None)
    effective_date = fields.Date(allow_none=True, load_default=None)
    end_date = fields.Date(allow_none=True, load_default=None)


class _PersonRole(Schema):
    scope = fields.String(required=True)
    scope_id = fields.String(required=True)
    role = fields.String(required=True)


@event_type("person.created", "members", "A person was registered (event-carried state for read models).")
@event_type("person.updated", "members", "A person's contact data, language or roles changed.")
class PersonData(_Strict):
    person_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(allow_none=True, load_default=None)
    language = fields.String(required=True, validate=LANG)
    birth_year = fields.Integer(allow_none=True, load_default=None)
    home_association_id = fields.String(allow_none=True, load_default=None)
    roles = fields.List(fields.Nested(_PersonRole), load_default=list)


@event_type(
    "person.role_granted",
    "members",
    "A person got a role: in an organisation, or as an association's admin (`scope` association).",
)
class PersonRoleGranted(_PersonRole):
    person_id = fields.String(required=True)
    association_id = fields.String(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "The association the grant is in: the scope, or the "
            "person's home association for an organisation role."
        },
    )


@event_type(
    "person.erased", "members", "A person was erased (GDPR); every service removes or anonymises its copies."
)
class PersonErasedData(_Strict):
    person_id = fields.String(required=True)
    erased_at = fields.AwareDateTime(required=True)


@event_type("consent.changed", "members", "A newsletter or contact consent was granted or withdrawn.")
class ConsentData(_Strict):
    person_id = fields.String(required=True)
    association_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["newsletter", "contact"]))
    granted = fields.Boolean(required=True)
    source = fields.String(required=True)
    wording_version = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class _ImportCounts(_Strict):
    organisation = fields.Integer(required=True)
    person = fields.Integer(required=True)
    membership = fields.Integer(required=True)


@event_type(
    "members.imported",
    "members",
    "An admin imported a member list (CSV): how many lines, and how many organisations, persons and "
    "memberships it created or found present; no names (each created record publishes its own event).",
)
class MembersImportedData(_Strict):
    association_id = fields.String(required=True)
    rows = fields.Integer(required=True)
    created = fields.Nested(_ImportCounts, required=True)
    present = fields.Nested(_ImportCounts, required=True)


@event_type(
    "calendar_token.issued",
    "members",
    "A person made a calendar feed token (replacing any earlier one); never the token.",
)
@event_type("calendar_token.revoked", "members", "A person revoked their calendar feed token.")
class CalendarTokenData(_Strict):
    person_id = fields.String(required=True)
    association_ids = fields.List(
        fields.String(), required=True, metadata={"description": "The associations whose feeds it reads."}
    )
