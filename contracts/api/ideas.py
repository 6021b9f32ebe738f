"""Ideas API: panels, participants, meetings, ideas, supports, comments,
decisions, initiatives and the catalogue."""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.api.common import (
    Id,
    Input,
    Instant,
    Language,
    Output,
    Pattern,
    Text,
    TimeZone,
    theme_id_example,
    violations,
    where,
)
from nabo_common.api.pagination import PageQuery

PHASES = ("preparing", "collecting_ideas", "reviewing", "catalogue_published", "following_up", "closed")
# the catalogue is public from this phase on
PUBLISHED_PHASES = ("catalogue_published", "following_up", "closed")
# where an initiative and its dated progress are read; public once its panel's catalogue is published
INITIATIVE_PATH = "/v1/initiatives/{id}"
PANEL_VISIBILITIES = ("participants", "association")
PARTICIPANT_ROLES = ("participant", "working_group")
IDEA_STATUSES = ("submitted", "under_review", "accepted", "merged", "declined")
PARTNER_KINDS = ("organisation", "municipality", "business_hub", "university", "other")
INITIATIVE_STATUSES = ("planned", "launched", "completed", "stopped")
CATALOGUE_FORMATS = ("json", "csv", "md", "html")
KEY = Pattern(r"^[a-z0-9][a-z0-9_-]{0,58}[a-z0-9]$|^[a-z0-9]$",
              error="Lower-case letters, digits, dashes and underscores, such as green-funding.")
LongText = lambda **kw: fields.String(validate=validate.Length(max=5000), **kw)  # noqa: E731


# a phase planned twice is refused; the document states what JSON Schema can: no entry twice
PHASE_PLANS = {"description": "Planned dates per phase; each phase once.", "uniqueItems": True}


def _unique(values, field_name):
    if len(values) != len(set(values)):
        raise ValidationError("Each entry may appear once.", field_name)


def _dates_in_order(data, start, end):
    if data.get(start) and data.get(end) and data[end] < data[start]:
        raise ValidationError(f"{end} must not be before {start}.", end)


# --- panels --------------------------------------------------------------------

class SubThemeInput(Input):
    key = fields.String(required=True, validate=KEY)
    name = Text(200, required=True)
    theme_id = fields.String(validate=validate.Length(min=1, max=36), metadata=theme_id_example(
        {"description": "The taxonomy theme it belongs to, when one fits."}))


class PhasePlanInput(Input):
    phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date()

    @validates_schema
    def dates(self, data, **kwargs):
        _dates_in_order(data, "starts_on", "ends_on")


class _PanelFields(Input):
    title = Text(200)
    theme = Text(200, metadata={"description": "The year's strategic theme, such as green transition."})
    theme_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=36),
                             metadata=theme_id_example({"description": "The taxonomy theme, when one fits."}))
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))
    language = fields.String(validate=Language, metadata={"description": "The panel's working language."})
    time_zone = fields.String(validate=TimeZone)
    visibility = fields.String(validate=validate.OneOf(PANEL_VISIBILITIES), metadata={
        "description": "participants: only participants and admins read it; association: every member of the "
                       "association too. The published catalogue is public either way."})
    sub_themes = fields.List(fields.Nested(SubThemeInput), validate=validate.Length(max=30))
    phases = fields.List(fields.Nested(PhasePlanInput), validate=validate.Length(max=len(PHASES)),
                         metadata=PHASE_PLANS)

    @validates_schema
    def unique_keys(self, data, **kwargs):
        _unique([s["key"] for s in data.get("sub_themes") or ()], "sub_themes")
        _unique([p["phase"] for p in data.get("phases") or ()], "phases")


class PanelCreate(_PanelFields):
    association_id = Id(metadata={"description": "Defaults to the association the admin administers."})
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    title = Text(200, required=True)
    theme = Text(200, required=True)
    language = fields.String(required=True, validate=Language)
    time_zone = fields.String(load_default="Europe/Copenhagen", validate=TimeZone)
    visibility = fields.String(load_default="association", validate=validate.OneOf(PANEL_VISIBILITIES))
    sub_themes = fields.List(
        fields.Nested(SubThemeInput), load_default=list, validate=validate.Length(max=30)
    )
    phases = fields.List(
        fields.Nested(PhasePlanInput), load_default=list, validate=validate.Length(max=len(PHASES)),
        metadata=PHASE_PLANS,
    )


class PanelUpdate(_PanelFields):
    """Sub-themes given here replace the list; one that still has ideas cannot be dropped."""


class PanelTransition(Input):
    to = fields.String(required=True, validate=validate.OneOf(PHASES))
    note = fields.String(validate=validate.Length(max=500))


class PanelQuery(PageQuery):
    association_id = Id()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    phase = fields.String(validate=validate.OneOf(PHASES))


class PanelSubTheme(Output):
    id = fields.String()
    key = fields.String()
    name = fields.String()
    theme_id = fields.String(allow_none=True)


class PanelPhasePlan(Output):
    # kept as ISO dates in a JSON column
    phase = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(allow_none=True, metadata={"format": "date"})


class PanelPhaseChange(Output):
    from_phase = fields.String(allow_none=True)
    to_phase = fields.String()
    note = fields.String(allow_none=True)
    at = Instant()


class PanelMeeting(Output):
    id = fields.String()
    event_id = fields.String(allow_none=True)
    title = fields.String()
    held_on = fields.Date(allow_none=True)


class Panel(Output):
    id = fields.String(dump_only=True)
    association_id = fields.String(dump_only=True)
    year = fields.Integer()
    title = fields.String()
    theme = fields.String()
    theme_id = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    language = fields.String()
    time_zone = fields.String()
    visibility = fields.String()
    phase = fields.String(dump_only=True)
    phases = fields.List(fields.Nested(PanelPhasePlan), attribute="phase_plan")
    phase_history = fields.List(fields.Nested(PanelPhaseChange), attribute="phase_changes", dump_only=True)
    sub_themes = fields.List(fields.Nested(PanelSubTheme))
    meetings = fields.List(fields.Nested(PanelMeeting), dump_only=True)
    participant_count = fields.Integer(dump_only=True)
    idea_count = fields.Integer(dump_only=True)
    catalogue_published_at = Instant(allow_none=True, dump_only=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


# --- participants and meetings ---------------------------------------------------


class ParticipantsAdd(Input):
    json_schema = violations({"not": {"anyOf": [
        {"required": [key], "properties": {key: {"minItems": 1}}}
        for key in ("organisation_ids", "person_ids")
    ]}})
    organisation_ids = fields.List(
        Id(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={
            "description": "Organisations taking part; all their persons may submit, support and comment."
        },
    )
    person_ids = fields.List(
        Id(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Single persons, such as a working group's members."},
    )
    role = fields.String(load_default="participant", validate=validate.OneOf(PARTICIPANT_ROLES))

    @validates_schema
    def something(self, data, **kwargs):
        if not data.get("organisation_ids") and not data.get("person_ids"):
            raise ValidationError("Give organisation_ids or person_ids.", "organisation_ids")
        _unique(data.get("organisation_ids") or [], "organisation_ids")
        _unique(data.get("person_ids") or [], "person_ids")


class PanelParticipant(Output):
    id = fields.String()
    organisation_id = fields.String(allow_none=True)
    person_id = fields.String(allow_none=True)
    name = fields.String()
    role = fields.String()
    added_at = Instant()


class MeetingCreate(Input):
    event_id = Id(metadata={"description": "The meeting's event in the events service."})
    title = Text(200, required=True)
    held_on = fields.Date()


# --- ideas -----------------------------------------------------------------------


class PartnerInput(Input):
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))
    name = Text(200, required=True)
    organisation_id = Id()


class OnBehalfOf(Input):
    json_schema = {"minProperties": 1}
    person_id = Id()
    organisation_id = Id()

    @validates_schema
    def someone(self, data, **kwargs):
        if not data:
            raise ValidationError("Give the person_id or organisation_id the idea comes from.", "person_id")


class _IdeaFields(Input):
    title = Text(200)
    description = LongText()
    need = LongText(metadata={"description": "The need behind the idea."})
    expected_effect = LongText()
    sub_theme = fields.String(
        allow_none=True, validate=KEY, metadata={"description": "A sub-theme key of the panel."}
    )
    themes = fields.List(
        fields.String(validate=validate.Length(min=1, max=36)), validate=validate.Length(max=10),
        metadata=theme_id_example({"description": "Theme ids of the taxonomy (GET /v1/themes)."}, many=True),
    )
    suggested_partners = fields.List(
        fields.Nested(PartnerInput),
        validate=validate.Length(max=20),
        metadata={"description": "Who could do it."},
    )


class IdeaCreate(_IdeaFields):
    title = Text(200, required=True)
    meeting_id = Id(metadata={"description": "The panel meeting where it was raised."})
    organisation_id = Id(
        metadata={"description": "Which of your organisations submits it (when you act for several)."}
    )
    on_behalf_of = fields.Nested(
        OnBehalfOf,
        metadata={"description": "Facilitators (the panel's admins) record ideas for a participant."},
    )


class IdeaUpdate(_IdeaFields):
    pass


class IdeaTransition(Input):
    # the rules below, for the document: a merge names the idea, a decline says why, nothing else names one
    json_schema = violations(
        where("to", ["declined"], **{"not": {"required": ["reason"]}}),
        where("to", ["merged"], **{"not": {"required": ["into_idea_id"]}}),
        where("to", [s for s in IDEA_STATUSES if s != "merged"], required=["into_idea_id"]),
    )
    to = fields.String(required=True, validate=validate.OneOf(IDEA_STATUSES))
    reason = fields.String(validate=validate.Length(min=1, max=2000))
    into_idea_id = Id(metadata={"description": "For merged: the idea it is merged into."})

    @validates_schema
    def rules(self, data, **kwargs):
        if data["to"] == "declined" and not data.get("reason"):
            raise ValidationError("Say why the idea is declined.", "reason")
        if data["to"] == "merged" and not data.get("into_idea_id"):
            raise ValidationError("Say which idea it is merged into.", "into_idea_id")
        if data["to"] != "merged" and data.get("into_idea_id"):
            raise ValidationError("Only a merge names another idea.", "into_idea_id")


class IdeaQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(IDEA_STATUSES))
    sub_theme = fields.String(validate=KEY)
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Text in title or need."}
    )
    sort = fields.String(load_default="recent", validate=validate.OneOf(["recent", "supports", "title"]))


class IdeaPartner(Output):
    kind = fields.String()
    name = fields.String()
    organisation_id = fields.String(allow_none=True)


class OrganisationSupports(Output):
    organisation_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    supports = fields.Integer()


class Idea(Output):
    id = fields.String(dump_only=True)
    panel_id = fields.String(dump_only=True)
    association_id = fields.String(dump_only=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    need = fields.String(allow_none=True)
    expected_effect = fields.String(allow_none=True)
    sub_theme = fields.String(allow_none=True)
    themes = fields.List(fields.String())
    suggested_partners = fields.List(fields.Nested(IdeaPartner))
    status = fields.String(dump_only=True)
    merged_into_id = fields.String(allow_none=True, dump_only=True)
    meeting_id = fields.String(allow_none=True)
    submitter_person_id = fields.String(allow_none=True, dump_only=True)
    submitter_name = fields.String(allow_none=True, dump_only=True)
    submitter_organisation_id = fields.String(allow_none=True, dump_only=True)
    submitter_organisation_name = fields.String(allow_none=True, dump_only=True)
    recorded_by_facilitator = fields.Boolean(dump_only=True)
    support_count = fields.Integer(dump_only=True)
    supported_by_me = fields.Boolean(dump_only=True)
    comment_count = fields.Integer(dump_only=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class IdeaStatusChange(Output):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    at = Instant()


class IdeaRef(Output):
    id = fields.String()
    title = fields.String()
    status = fields.String()


class DecisionRef(Output):
    id = fields.String()
    decided_on = fields.Date()
    body = fields.String()
    text = fields.String()
    note = fields.String(allow_none=True)


class InitiativeProgress(Output):
    id = fields.String()
    reported_on = fields.Date()
    text = fields.String()
    status = fields.String()
    created_at = Instant()


class InitiativeRef(Output):
    id = fields.String()
    title = fields.String()
    status = fields.String()
    latest_progress = fields.Nested(InitiativeProgress, allow_none=True)
    href = fields.String(
        metadata={
            "description": "The initiative with all its dated progress; readable without "
            "an account once the panel's catalogue is published."
        }
    )


class IdeaTrace(Output):
    status_history = fields.List(fields.Nested(IdeaStatusChange))
    merged_into = fields.Nested(
        IdeaRef,
        allow_none=True,
        metadata={"description": "The idea it lives on in (followed to the end of the chain)."},
    )
    merged_from = fields.List(fields.Nested(IdeaRef))
    decisions = fields.List(fields.Nested(DecisionRef))
    initiatives = fields.List(fields.Nested(InitiativeRef))


class IdeaDetail(Idea):
    supports_by_organisation = fields.List(fields.Nested(OrganisationSupports), dump_only=True)
    trace = fields.Nested(IdeaTrace, dump_only=True)


class SupportCreate(Input):
    organisation_id = Id(metadata={"description": "Which of your organisations you support it for."})


class IdeaSupports(Output):
    idea_id = fields.String()
    support_count = fields.Integer()
    supported_by_me = fields.Boolean()
    supports_by_organisation = fields.List(fields.Nested(OrganisationSupports))


class CommentCreate(Input):
    body = Text(5000, required=True)


class IdeaComment(Output):
    id = fields.String()
    idea_id = fields.String()
    person_id = fields.String(allow_none=True)
    author_name = fields.String(allow_none=True)
    organisation_id = fields.String(allow_none=True)
    body = fields.String()
    moved_from_idea_id = fields.String(allow_none=True)
    created_at = Instant()


class SimilarQuery(Input):
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))
    min_score = fields.Integer(
        load_default=60,
        validate=validate.Range(min=0, max=100),
        metadata={"description": "Lowest similarity (0-100) to report."},
    )


class SimilarIdeaScore(Output):
    idea = fields.Nested(IdeaRef)
    score = fields.Float(metadata={"description": "Text similarity 0-100 of the normalised title and need."})


class SimilarIdeas(Output):
    idea_id = fields.String()
    candidates = fields.List(fields.Nested(SimilarIdeaScore))


# --- decisions -------------------------------------------------------------------


class DecisionIdeaInput(Input):
    idea_id = Id(required=True)
    note = fields.String(validate=validate.Length(max=2000))


class DecisionCreate(Input):
    decided_on = fields.Date(required=True)
    body = Text(200, required=True, metadata={"description": "Who decided, such as the business committee."})
    text = Text(10000, required=True)
    ideas = fields.List(
        fields.Nested(DecisionIdeaInput), load_default=list, validate=validate.Length(max=200)
    )

    @validates_schema
    def unique_ideas(self, data, **kwargs):
        _unique([i["idea_id"] for i in data.get("ideas") or ()], "ideas")


class DecisionIdeaNote(Output):
    idea_id = fields.String()
    note = fields.String(allow_none=True)


class PanelDecision(Output):
    id = fields.String()
    panel_id = fields.String()
    decided_on = fields.Date()
    body = fields.String()
    text = fields.String()
    ideas = fields.List(fields.Nested(DecisionIdeaNote))
    created_at = Instant()


# --- initiatives -----------------------------------------------------------------


class InitiativeCreate(Input):
    title = Text(200, required=True)
    description = fields.String(validate=validate.Length(max=10000))
    idea_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=50))
    owner = fields.Nested(PartnerInput, required=True)
    partners = fields.List(fields.Nested(PartnerInput), load_default=list, validate=validate.Length(max=30))
    status = fields.String(load_default="planned", validate=validate.OneOf(("planned", "launched")))
    starts_on = fields.Date()
    ends_on = fields.Date()

    @validates_schema
    def rules(self, data, **kwargs):
        _unique(data.get("idea_ids") or [], "idea_ids")
        _dates_in_order(data, "starts_on", "ends_on")


class InitiativeUpdate(Input):
    title = Text(200)
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))
    owner = fields.Nested(PartnerInput)
    partners = fields.List(fields.Nested(PartnerInput), validate=validate.Length(max=30))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)

    @validates_schema
    def dates(self, data, **kwargs):
        _dates_in_order(data, "starts_on", "ends_on")


class ProgressCreate(Input):
    reported_on = fields.Date(metadata={"description": "Defaults to today in the panel's time zone."})
    text = Text(10000, required=True)
    status = fields.String(
        validate=validate.OneOf(INITIATIVE_STATUSES),
        metadata={"description": "The initiative's status from now on, when it changes."},
    )


class InitiativeQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(INITIATIVE_STATUSES))


class Initiative(Output):
    id = fields.String(dump_only=True)
    panel_id = fields.String(dump_only=True)
    association_id = fields.String(dump_only=True)
    title = fields.String()
    description = fields.String(allow_none=True)
    ideas = fields.List(fields.Nested(IdeaRef), dump_only=True)
    owner = fields.Nested(IdeaPartner)
    partners = fields.List(fields.Nested(IdeaPartner))
    status = fields.String(dump_only=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    progress = fields.List(fields.Nested(InitiativeProgress), dump_only=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


# --- catalogue -------------------------------------------------------------------


class CatalogueQuery(Input):
    format = fields.String(
        validate=validate.OneOf(CATALOGUE_FORMATS),
        metadata={
            "description": "json, csv, md or html (printable); otherwise chosen from the Accept header."
        },
    )


class CatalogueIdea(Output):
    id = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    need = fields.String(allow_none=True)
    expected_effect = fields.String(allow_none=True)
    suggested_partners = fields.List(fields.Nested(IdeaPartner))
    submitter_organisation_name = fields.String(allow_none=True)
    support_count = fields.Integer()
    supports_by_organisation = fields.List(fields.Nested(OrganisationSupports))
    initiatives = fields.List(fields.Nested(InitiativeRef))


class CatalogueSection(Output):
    key = fields.String(allow_none=True)
    name = fields.String()
    ideas = fields.List(fields.Nested(CatalogueIdea))


class CataloguePanel(Output):
    id = fields.String()
    title = fields.String()
    year = fields.Integer()
    theme = fields.String()
    description = fields.String(allow_none=True)
    language = fields.String()
    phase = fields.String()


class IdeaCatalogue(Output):
    panel = fields.Nested(CataloguePanel)
    published = fields.Boolean()
    published_at = Instant(allow_none=True)
    generated_at = Instant(metadata={"description": "When this catalogue view was put together."})
    idea_count = fields.Integer()
    support_count = fields.Integer()
    sections = fields.List(fields.Nested(CatalogueSection))
