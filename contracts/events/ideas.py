"""Events published by the ideas service: panels, ideas, decisions and initiatives."""
from marshmallow import Schema, fields, validate

from nabo_common.messaging.envelopes import event_type

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
class PanelPhaseData(_Data):
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    title = fields.String(required=True)
    phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    previous_phase = fields.String(allow_none=True, load_default=None)
    participant_organisation_ids = fields.List(fields.String(), load_default=list)
    participant_person_ids = fields.List(fields.String(), load_default=list)


@event_type("panel.participants_added", "ideas", "Organisations or persons were added to a panel.")
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


@event_type("idea.submitted", "ideas", "An idea was submitted, or recorded by a facilitator for someone.")
class IdeaSubmittedData(_IdeaState):
    recorded_by_person_id = fields.String(allow_none=True, load_default=None)


@event_type("idea.updated", "ideas", "An idea's text, sub-theme, themes or suggested partners changed.")
class IdeaUpdatedData(_IdeaState):
    changed = fields.List(fields.String(), load_default=list)


@event_type(
    "idea.status_changed",
    "ideas",
    "An idea moved between submitted, under_review, accepted, merged and declined.",
)
class IdeaStatusData(_IdeaState):
    previous_status = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


@event_type("idea.supported", "ideas", "A person supported an idea (one support per person).")
@event_type("idea.support_withdrawn", "ideas", "A person withdrew their support.")
class IdeaSupportData(_Data):
    idea_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    person_id = fields.String(allow_none=True, load_default=None)
    organisation_id = fields.String(allow_none=True, load_default=None)
    support_count = fields.Integer(required=True)


@event_type("idea.commented", "ideas", "Someone commented on an idea.")
class IdeaCommentData(_Data):
    idea_id = fields.String(required=True)
    panel_id = fields.String(required=True)
    association_id = fields.String(required=True)
    comment_id = fields.String(required=True)
    person_id = fields.String(allow_none=True, load_default=None)
    idea_title = fields.String(required=True)
    submitter_person_id = fields.String(allow_none=True, load_default=None)


@event_type("idea.merged", "ideas", "An idea was merged into another; its supports and comments moved along.")
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
class InitiativeData(_InitiativeState):
    pass


@event_type(
    "initiative.progress_updated",
    "ideas",
    "A dated progress update (possibly changing its status) was added to an initiative.",
)
class InitiativeProgressData(_InitiativeState):
    progress_id = fields.String(required=True)
    reported_on = fields.Date(required=True)
    text = fields.String(required=True)
    previous_status = fields.String(required=True, validate=validate.OneOf(INITIATIVE_STATUSES))
