"""Events published by the members service."""

from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type, example

LANG = validate.OneOf(["da", "nl", "de", "sv", "en"])


class _Strict(Schema):
    class Meta:
        ordered = True


@event_type("association.created", "members", "A platform admin created an association (tenant).")
@event_type("association.updated", "members", "An association's settings changed.")
@example(
    {
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "name": "Fjordby Erhvervsforening",
        "slug": "fjordby-erhverv",
        "country": "DK",
        "default_language": "da",
        "time_zone": "Europe/Copenhagen",
    }
)
class AssociationData(_Strict):
    association_id = fields.String(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    country = fields.String(required=True)
    default_language = fields.String(required=True, validate=LANG)
    time_zone = fields.String(required=True)


@event_type("organisation.created", "members", "An organisation was registered.")
@event_type("organisation.updated", "members", "An organisation's profile changed.")
@example(
    {
        "organisation_id": "f6167f3d-37f2-5cfc-8d0a-926ee21c14c7",
        "owner_association_id": "4e28f988-73b5-5616-803b-ec4c2985b1b5",
        "name": "Fjordby Tømrer ApS",
        "kind": "company",
        "country": "DK",
        "region": "Syddanmark",
        "sector": "62.01",
        "visibility": "all_associations",
        "changed": ["sector", "themes"],
        "themes": ["green-transition"],
    }
)
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
@example(
    {
        "membership_id": "5d79ce85-6da9-55c1-8b77-3ce548bfb5df",
        "organisation_id": "f6167f3d-37f2-5cfc-8d0a-926ee21c14c7",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "type": "full",
        "status": "active",
        "previous_status": "pending",
        "effective_date": "2025-01-01",
        "end_date": "2025-12-31",
    }
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
@example(
    {
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "name": "Anne Holm",
        "email": "anne.holm@example.dk",
        "language": "da",
        "birth_year": 1988,
        "home_association_id": "114ae337-1154-55b6-b085-bc1443761b3a",
        "roles": [
            {"scope": "organisation", "scope_id": "e7e2ee36-638f-5d15-a7ca-a7f8b01627a7", "role": "contact"}
        ],
    }
)
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
@example(
    {
        "scope": "organisation",
        "scope_id": "e7e2ee36-638f-5d15-a7ca-a7f8b01627a7",
        "role": "admin",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
    }
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
@example({"person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d", "erased_at": "2025-03-20T10:15:00+00:00"})
class PersonErasedData(_Strict):
    person_id = fields.String(required=True)
    erased_at = fields.AwareDateTime(required=True)


@event_type("consent.changed", "members", "A newsletter or contact consent was granted or withdrawn.")
@example(
    {
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "kind": "newsletter",
        "granted": True,
        "source": "signup form",
        "wording_version": "2024-01",
        "recorded_at": "2025-03-02T09:41:00+01:00",
    }
)
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
@example(
    {
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "rows": 42,
        "created": {"organisation": 28, "person": 35, "membership": 28},
        "present": {"organisation": 4, "person": 7, "membership": 4},
    }
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
@example(
    {
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
    }
)
class CalendarTokenData(_Strict):
    person_id = fields.String(required=True)
    association_ids = fields.List(
        fields.String(), required=True, metadata={"description": "The associations whose feeds it reads."}
    )


@event_type(
    "post.created",
    "members",
    "A member posted in a network: a new thread (`opening` true, with its `kind` and `title`) or a reply. "
    "Carries what a notification to the network's members needs; never the text.",
)
@example(
    {
        "post_id": "0e4f1c9a-53a4-4a8e-9d4b-4c2f2b6f1a01",
        "thread_id": "8b7c2d3e-1f0a-4b5c-9d8e-7f6a5b4c3d2e",
        "network_id": "c0ffee00-1234-4abc-8def-001122334455",
        "network_name": "Kajak i Höga Kusten",
        "network_names": {"sv": "Kajak i Höga Kusten", "en": "High Coast kayaking"},
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "author_person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "kind": "question",
        "title": "Who rents out sea kayaks in May?",
        "themes": ["5b0e2a6c-0a2b-5c3d-8e4f-6a7b8c9d0e1f"],
        "opening": True,
        "reply_to_id": None,
        "reply_to_author_person_id": None,
        "thread_author_person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "mentioned_person_ids": ["6a0f3c1e-2b4d-5e6f-8a9b-0c1d2e3f4a5b"],
        "network_dormant": False,
        "convener_person_ids": ["860553e2-615a-556a-803d-49035e145141"],
    }
)
class PostCreatedData(_Strict):
    post_id = fields.String(required=True)
    thread_id = fields.String(required=True)
    network_id = fields.String(required=True)
    network_name = fields.String(required=True)
    network_names = fields.Dict(
        keys=fields.String(validate=LANG), values=fields.String(), load_default=dict,
        metadata={"description": "The network's name in each language it has one in."},
    )
    association_ids = fields.List(fields.String(), required=True,
                                  metadata={"description": "The network's active owners."})
    author_person_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["question", "announcement", "opportunity"]))
    title = fields.String(allow_none=True, load_default=None)
    themes = fields.List(fields.String(), load_default=list)
    opening = fields.Boolean(required=True)
    reply_to_id = fields.String(allow_none=True, load_default=None)
    reply_to_author_person_id = fields.String(
        allow_none=True, load_default=None, metadata={"description": "The author of the post answered."})
    thread_author_person_id = fields.String(required=True)
    mentioned_person_ids = fields.List(fields.String(), load_default=list,
                                       metadata={"description": "The network's members the post mentions."})
    network_dormant = fields.Boolean(load_default=False, metadata={
        "description": "The network was dormant: a new thread in it goes to every member and convener."})
    convener_person_ids = fields.List(fields.String(), load_default=list)


class _OpportunityRecipient(_Strict):
    person_id = fields.String(required=True)
    organisation_id = fields.String(required=True)
    organisation_name = fields.String(required=True)
    theme_ids = fields.List(fields.String(), required=True, metadata={"description": "The themes matched."})


@event_type(
    "opportunity.offered",
    "members",
    "A new opportunity thread is offered beyond its network: to the contacts of organisations whose offers "
    "carry its themes and who may be seen from the network's associations (`recipients`, with the themes "
    "that matched). Never the post's text.",
)
@example(
    {
        "post_id": "0e4f1c9a-53a4-4a8e-9d4b-4c2f2b6f1a01",
        "thread_id": "8b7c2d3e-1f0a-4b5c-9d8e-7f6a5b4c3d2e",
        "network_id": "c0ffee00-1234-4abc-8def-001122334455",
        "network_name": "Energie Ems-Dollart",
        "network_names": {"nl": "Energie Eems-Dollard", "de": "Energie Ems-Dollart"},
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "author_person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "title": "Partner wanted for a heat-pump tender in Groningen",
        "theme_labels": {"5b0e2a6c-0a2b-5c3d-8e4f-6a7b8c9d0e1f": {"en": "Heat pumps", "de": "Wärmepumpen"}},
        "recipients": [
            {
                "person_id": "6a0f3c1e-2b4d-5e6f-8a9b-0c1d2e3f4a5b",
                "organisation_id": "66239139-8992-565c-a70c-15c64b404b7a",
                "organisation_name": "Wärmetechnik Leer GmbH",
                "theme_ids": ["5b0e2a6c-0a2b-5c3d-8e4f-6a7b8c9d0e1f"],
            }
        ],
    }
)
class OpportunityOfferedData(_Strict):
    post_id = fields.String(required=True)
    thread_id = fields.String(required=True)
    network_id = fields.String(required=True)
    network_name = fields.String(required=True)
    network_names = fields.Dict(keys=fields.String(validate=LANG), values=fields.String(), load_default=dict)
    association_ids = fields.List(fields.String(), required=True)
    author_person_id = fields.String(required=True)
    title = fields.String(allow_none=True, load_default=None)
    theme_labels = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(),
                                                                        values=fields.String()),
                               load_default=dict, metadata={"description": "Each matched theme's labels."})
    recipients = fields.List(fields.Nested(_OpportunityRecipient), required=True)


@event_type("post.updated", "members", "A post's author changed it (see changed); never the text.")
@event_type("post.deleted", "members", "A post's author deleted it; a placeholder stays for its replies.")
@event_type("post.hidden", "members", "A convener hid a post from everyone but its author and the conveners.")
@event_type("post.restored", "members", "A convener showed a hidden post again.")
@event_type("post.reported", "members", "A member reported a post to the network's conveners.")
@example(
    {
        "post_id": "0e4f1c9a-53a4-4a8e-9d4b-4c2f2b6f1a01",
        "thread_id": "8b7c2d3e-1f0a-4b5c-9d8e-7f6a5b4c3d2e",
        "network_id": "c0ffee00-1234-4abc-8def-001122334455",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "author_person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "changed": ["hidden"],
    }
)
class PostChangedData(_Strict):
    post_id = fields.String(required=True)
    thread_id = fields.String(required=True)
    network_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    author_person_id = fields.String(required=True)
    changed = fields.List(fields.String(), load_default=list)


@event_type("thread.updated", "members", "A thread's author changed its title or kind (see changed).")
@event_type("thread.locked", "members", "A convener locked a thread: it takes no more replies.")
@event_type("thread.unlocked", "members", "A convener opened a locked thread again.")
@example(
    {
        "thread_id": "8b7c2d3e-1f0a-4b5c-9d8e-7f6a5b4c3d2e",
        "network_id": "c0ffee00-1234-4abc-8def-001122334455",
        "association_ids": ["35988860-3159-5c9f-b227-10243ae955b5"],
        "kind": "question",
        "changed": ["locked"],
    }
)
class ThreadChangedData(_Strict):
    thread_id = fields.String(required=True)
    network_id = fields.String(required=True)
    association_ids = fields.List(fields.String(), required=True)
    kind = fields.String(required=True)
    changed = fields.List(fields.String(), load_default=list)
