"""Events published by the ideas service: panels, ideas, decisions and initiatives."""

from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type, example

PHASES = ("preparing", "collecting_ideas", "reviewing", "catalogue_published", "following_up", "closed")
IDEA_STATUSES = ("submitted", "under_review", "accepted", "merged", "declined")
INITIATIVE_STATUSES = ("planned", "launched", "completed", "stopped")


class _Data(Schema):
    class Meta:
        ordered = True


@event_type("panel.created", "ideas", "An association opened a panel round on a strategic theme.")
@event_type(
    "panel.updated", "ideas", "A panel's title, theme, sub-themes, visibility or planned dates changed."
)
@example(
    {
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "year": 2025,
        "title": "Idépanel: Grøn omstilling 2025",
        "theme": "green-transition",
        "language": "da",
        "phase": "preparing",
        "sub_themes": [{"key": "solar", "name": "Solenergi"}, {"key": "heat-pumps", "name": "Varmepumper"}],
        "changed": ["sub_themes"],
    }
)
class PanelData(_Data):
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    year = fields.Integer(required=True)
    title = fields.String(required=True)
    theme = fields.String(required=True)
    language = fields.String(required=True)
    phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    sub_themes = fields.List(fields.Dict(), load_default=list)
    changed = fields.List(fields.String(), load_default=list)


@event_type(
    "panel.phase_changed",
    "ideas",
    "A panel moved to another phase (catalogue_published makes its catalogue public).",
)
@example(
    {
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "title": "Idépanel: Grøn omstilling 2025",
        "phase": "collecting_ideas",
        "previous_phase": "preparing",
        "participant_organisation_ids": ["768d503d-a85a-5573-bd07-698fc7e92410"],
        "participant_person_ids": ["f07797ff-35ae-56ac-8652-b48510173b22"],
    }
)
class PanelPhaseData(_Data):
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    title = fields.String(required=True)
    phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    previous_phase = fields.String(allow_none=True, load_default=None)
    participant_organisation_ids = fields.List(fields.String(), load_default=list)
    participant_person_ids = fields.List(fields.String(), load_default=list)


@event_type("panel.participants_added", "ideas", "Organisations or persons were added to a panel.")
@example(
    {
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "title": "Idépanel: Grøn omstilling 2025",
        "organisation_ids": ["66239139-8992-565c-a70c-15c64b404b7a"],
        "person_ids": ["07801403-bfce-5993-9a17-189348f470c7"],
    }
)
class PanelParticipantsData(_Data):
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    title = fields.String(required=True)
    organisation_ids = fields.List(fields.String(), load_default=list)
    person_ids = fields.List(fields.String(), load_default=list)


class _IdeaState(_Data):
    idea_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(IDEA_STATUSES))
    sub_theme = fields.String(allow_none=True, load_default=None)
    submitter_person_id = fields.String(allow_none=True, load_default=None)
    submitter_organisation_id = fields.String(allow_none=True, load_default=None)


# the idea of the idea events' examples
_IDEA_EXAMPLE = {
    "idea_id": "6e7818f9-593d-5ce1-a710-322c2ead83f0",
    "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
    "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
    "title": "Fælles indkøb af solceller for små virksomheder",
    "status": "submitted",
    "sub_theme": "solar",
    "submitter_person_id": "81aa7206-cbd2-5b34-ad08-8784bd4a3efb",
    "submitter_organisation_id": "3ccddef6-6106-5c3a-8fe6-3f5186239e9e",
}


@event_type("idea.submitted", "ideas", "An idea was submitted, or recorded by a facilitator for someone.")
@example({**_IDEA_EXAMPLE, "recorded_by_person_id": "7d81c474-3aba-50fe-ae2f-7ceead4ee708"})
class IdeaSubmittedData(_IdeaState):
    recorded_by_person_id = fields.String(allow_none=True, load_default=None)


@event_type("idea.updated", "ideas", "An idea's text, sub-theme, themes or suggested partners changed.")
@example({**_IDEA_EXAMPLE, "changed": ["sub_theme"]})
class IdeaUpdatedData(_IdeaState):
    changed = fields.List(fields.String(), load_default=list)


@event_type(
    "idea.status_changed",
    "ideas",
    "An idea moved between submitted, under_review, accepted, merged and declined.",
)
@example({**_IDEA_EXAMPLE, "status": "accepted", "previous_status": "under_review", "reason": None})
class IdeaStatusData(_IdeaState):
    previous_status = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


@event_type("idea.supported", "ideas", "A person supported an idea (one support per person).")
@event_type("idea.support_withdrawn", "ideas", "A person withdrew their support.")
@example(
    {
        "idea_id": "6e7818f9-593d-5ce1-a710-322c2ead83f0",
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "organisation_id": "f6167f3d-37f2-5cfc-8d0a-926ee21c14c7",
        "support_count": 14,
    }
)
class IdeaSupportData(_Data):
    idea_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    person_id = fields.String(allow_none=True, load_default=None)
    organisation_id = fields.String(allow_none=True, load_default=None)
    support_count = fields.Integer(required=True)


@event_type("idea.commented", "ideas", "Someone commented on an idea.")
@example(
    {
        "idea_id": "6e7818f9-593d-5ce1-a710-322c2ead83f0",
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "comment_id": "00d8e6f2-eff4-5401-bcce-8b0ac85ed802",
        "person_id": "da31ce8d-7381-5ff0-b6e0-3fb2cc13915d",
        "idea_title": "Fælles indkøb af solceller for små virksomheder",
        "submitter_person_id": "81aa7206-cbd2-5b34-ad08-8784bd4a3efb",
    }
)
class IdeaCommentData(_Data):
    idea_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    comment_id = fields.String(required=True)
    person_id = fields.String(allow_none=True, load_default=None)
    idea_title = fields.String(required=True)
    submitter_person_id = fields.String(allow_none=True, load_default=None)


@event_type("idea.merged", "ideas", "An idea was merged into another; its supports and comments moved along.")
@example(
    {
        "idea_id": "6e7818f9-593d-5ce1-a710-322c2ead83f0",
        "into_idea_id": "c6cfc9dc-8cae-58ee-a844-51ae9b57d671",
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "title": "Solceller på fælles tage",
        "into_title": "Fælles indkøb af solceller for små virksomheder",
        "submitter_person_id": "81aa7206-cbd2-5b34-ad08-8784bd4a3efb",
        "support_count": 14,
    }
)
class IdeaMergedData(_Data):
    idea_id = fields.String(required=True)
    into_idea_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    title = fields.String(required=True)
    into_title = fields.String(required=True)
    submitter_person_id = fields.String(allow_none=True, load_default=None)
    support_count = fields.Integer(required=True)


@event_type("decision.recorded", "ideas", "A committee's treatment of a panel's ideas was recorded.")
@example(
    {
        "decision_id": "c05257dc-715d-5f17-ab72-b6fb3f10a83b",
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "decided_on": "2025-03-20",
        "body": "Udvalget for erhverv og klima",
        "text": "The committee backs the shared solar purchase and funds a pilot with ten companies.",
        "idea_ids": ["8fa804a8-0280-51a4-a92a-32fe8d915a4a"],
    }
)
class DecisionData(_Data):
    decision_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    decided_on = fields.Date(required=True)
    body = fields.String(required=True)
    text = fields.String(required=True)
    idea_ids = fields.List(fields.String(), load_default=list)


class _InitiativeState(_Data):
    initiative_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(INITIATIVE_STATUSES))
    idea_ids = fields.List(fields.String(), load_default=list)
    owner = fields.Dict(required=True)


@event_type("initiative.created", "ideas", "An initiative was planned from one or more ideas.")
@event_type("initiative.launched", "ideas", "An initiative was launched.")
@event_type("initiative.updated", "ideas", "An initiative's texts, owner, partners or dates changed.")
@example(
    {
        "initiative_id": "6004e288-80a1-52bc-879e-0add9baddee3",
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "title": "Energitjek for 20 virksomheder i Fjordby",
        "status": "planned",
        "idea_ids": ["8fa804a8-0280-51a4-a92a-32fe8d915a4a"],
        "owner": {"kind": "business_hub", "name": "Erhvervshus Syddanmark"},
    }
)
class InitiativeData(_InitiativeState):
    pass


@event_type(
    "initiative.progress_updated",
    "ideas",
    "A dated progress update (possibly changing its status) was added to an initiative.",
)
@example(
    {
        "initiative_id": "6004e288-80a1-52bc-879e-0add9baddee3",
        "panel_id": "635d241e-638a-5301-8a16-27e766a62e57",
        "association_id": "b82a57e1-5def-57c1-a8b7-27f9a16f01a4",
        "title": "Energitjek for 20 virksomheder i Fjordby",
        "status": "launched",
        "idea_ids": ["8fa804a8-0280-51a4-a92a-32fe8d915a4a"],
        "owner": {"kind": "business_hub", "name": "Erhvervshus Syddanmark"},
        "progress_id": "7a0c8a08-eb3e-5f1f-92cc-7f5a715bdb3d",
        "reported_on": "2025-04-15",
        "text": "Kick-off held with eight companies; the first four energy checks are booked.",
        "previous_status": "planned",
    }
)
class InitiativeProgressData(_InitiativeState):
    progress_id = fields.String(required=True)
    reported_on = fields.Date(required=True)
    text = fields.String(required=True)
    previous_status = fields.String(required=True, validate=validate.OneOf(INITIATIVE_STATUSES))
