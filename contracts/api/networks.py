"""Themes, offers and needs, networks and matches: request and response schemas."""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.api.common import (
    LANGUAGES,
    Country,
    I18nText,
    Id,
    Input,
    Instant,
    Language,
    Output,
    Pattern,
    Text,
    ThemeId,
    WebAddress,
    theme_id_example,
)
from nabo_common.api.pagination import PageQuery

OFFER_NEED_KINDS = ("offer", "need")
JOIN_POLICIES = ("open", "request", "invitation")
NETWORK_VISIBILITIES = ("public", "all_associations", "association")
ACTIVITIES = ("active", "dormant")
MEMBER_STATUSES = ("active", "requested", "invited")
MEMBER_ROLES = ("member", "convener")
DECISIONS = ("approved", "declined")
MATCH_DECISIONS = ("accepted", "dismissed")

ThemeIds = lambda metadata=None, **kw: fields.List(  # noqa: E731
    Id(), validate=validate.Length(max=20), metadata=theme_id_example(metadata, many=True), **kw)


def _at_least_one_language(data):
    if not any(data.get(lang) for lang in LANGUAGES):
        raise ValidationError(f"Give the text in at least one of {', '.join(LANGUAGES)}.")


# --- themes -------------------------------------------------------------------

class _InLanguages(Input):
    json_schema = {"minProperties": 1}  # at least one language (the texts are never empty)

    @validates_schema
    def not_empty(self, data, **kwargs):
        _at_least_one_language(data)


def _texts_in_languages(name, max_len):
    """A schema with an optional text per language, of which at least one is given."""
    return type(name, (_InLanguages,), {lang: Text(max_len) for lang in LANGUAGES})


ThemeLabels = _texts_in_languages("ThemeLabelTexts", 100)


class ThemeCreate(Input):
    key = fields.String(required=True, validate=Pattern(
        r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$", error="Lower-case letters, digits and dashes."))
    parent_id = ThemeId()
    labels = fields.Nested(ThemeLabels, required=True)


class ThemeUpdate(Input):
    labels = fields.Nested(ThemeLabels, metadata={
        "description": "Merged into the labels there are. Association admins add translations; changing an "
                       "existing label is for platform admins (403)."})
    parent_id = ThemeId(allow_none=True, metadata={
        "description": "A top-level theme; moving a theme is for platform admins (403)."})


THEME_STATUSES = ("proposed", "accepted", "retired", "merged")


class ThemeTransition(Input):
    to = fields.String(
        required=True,
        validate=validate.OneOf(("accepted", "retired")),
        metadata={
            "description": "accepted: a proposal joins the taxonomy (it needs all five labels); retired: no "
                           "longer "
            "offered for tagging, still shown on what was tagged with it."
        },
    )


class ThemeMerge(Input):
    into_theme_id = ThemeId(
        required=True, metadata={"description": "The accepted theme everything tagged follows to."}
    )


class Theme(Output):
    id = fields.String(dump_only=True)
    key = fields.String()
    parent_id = fields.String(allow_none=True)
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    label = fields.String(
        metadata={"description": "The label in the caller's language (or the nearest there is)."}
    )
    label_is_fallback = fields.Boolean(
        metadata={
            "description": "True when the theme has no label in the caller's language and `label` is "
                           "another's."
        }
    )
    missing_languages = fields.List(
        fields.String(), metadata={"description": "Languages it has no label in."}
    )
    status = fields.String(
        metadata={
            "description": "proposed, accepted, retired or merged; only accepted "
            "themes are offered for tagging."
        }
    )
    merged_into_id = fields.String(allow_none=True)


class ThemeQuery(PageQuery):
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Text in any language's label."}
    )
    parent_id = ThemeId()
    status = fields.String(
        validate=validate.OneOf(THEME_STATUSES),
        metadata={
            "description": "Themes in this state; without it, the accepted themes (those offered for "
                           "tagging)."
        },
    )


class ThemeRef(Output):
    id = fields.String()
    label = fields.String()


# --- offers and needs -----------------------------------------------------------


class OfferNeedCreate(Input):
    kind = fields.String(required=True, validate=validate.OneOf(OFFER_NEED_KINDS))
    title = Text(200, required=True)
    description = fields.String(validate=validate.Length(max=5000))
    themes = ThemeIds(load_default=list)
    region = Text(100)
    available_from = fields.Date()
    available_until = fields.Date()

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if (
            data.get("available_from")
            and data.get("available_until")
            and data["available_until"] < data["available_from"]
        ):
            raise ValidationError("available_until must not be before available_from.", "available_until")


class OfferNeedUpdate(OfferNeedCreate):
    class Meta:
        exclude = ("kind",)

    title = Text(200)
    themes = ThemeIds()
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    region = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)


class OfferNeed(Output):
    id = fields.String(dump_only=True)
    organisation_id = fields.String(dump_only=True)
    kind = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    themes = fields.List(fields.String())
    region = fields.String(allow_none=True)
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class OfferNeedQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(OFFER_NEED_KINDS))


class SupplyDemandQuery(OfferNeedQuery):
    theme = Id(metadata={"description": "Only items tagged with this theme."})
    region = fields.String(validate=validate.Length(min=1, max=100))
    country = fields.String(validate=Country)
    q = fields.String(validate=validate.Length(min=1, max=100))


# --- networks -----------------------------------------------------------------

NetworkName = _texts_in_languages("NetworkNameTexts", 200)


class Eligibility(Input):
    association_ids = fields.List(
        Id(),
        validate=validate.Length(max=10),
        load_default=list,
        metadata={"description": "Only members of these associations may join."},
    )
    max_age = fields.Integer(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=12, max=120),
        metadata={"description": "Age limit, e.g. 30 for 'up to 30' (checked against birth year)."},
    )


class NetworkCreate(Input):
    name = fields.Nested(NetworkName, required=True)
    description = fields.Nested(I18nText, load_default=dict)
    themes = ThemeIds(load_default=list)
    association_ids = fields.List(
        Id(),
        required=True,
        validate=validate.Length(min=1, max=5),
        metadata={
            "description": "Owning associations; one you do not belong to "
            "must agree (its admin) before it owns the network."
        },
    )
    join_policy = fields.String(load_default="open", validate=validate.OneOf(JOIN_POLICIES))
    visibility = fields.String(
        load_default="public",
        validate=validate.OneOf(NETWORK_VISIBILITIES),
        metadata={
            "description": "public: in the public directory; all_associations: any "
            "signed-in member; association: owning associations' members."
        },
    )
    eligibility = fields.Nested(Eligibility, load_default=dict)
    external_link = WebAddress(
        schemes={"http", "https"},
        validate=validate.Length(max=300),
        metadata={"description": "A Facebook or LinkedIn group, for example."},
    )


class NetworkUpdate(Input):
    name = fields.Nested(NetworkName)
    description = fields.Nested(I18nText)
    themes = ThemeIds()
    join_policy = fields.String(validate=validate.OneOf(JOIN_POLICIES))
    visibility = fields.String(validate=validate.OneOf(NETWORK_VISIBILITIES))
    eligibility = fields.Nested(Eligibility)
    external_link = WebAddress(allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=300))
    activity = fields.String(
        validate=validate.OneOf(ACTIVITIES),
        metadata={"description": "dormant networks stay listed and can be woken; active, from a convener, "
                                 "also keeps a quiet network whose conveners were asked from being marked "
                                 "dormant."},
    )


class NetworkOwner(Output):
    association_id = fields.String()
    status = fields.String()


class Network(Output):
    id = fields.String(dump_only=True)
    name = fields.Dict(keys=fields.String(), values=fields.String())
    display_name = fields.String(dump_only=True, metadata={
        "description": "The name in the caller's language, else in English, German, Dutch, Danish or "
                       "Swedish."})
    name_language = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The language display_name is in; another than the caller's when it fell back."})
    description = fields.Dict(keys=fields.String(), values=fields.String())
    themes = fields.List(fields.String())
    owners = fields.List(fields.Nested(NetworkOwner), dump_only=True)
    join_policy = fields.String()
    visibility = fields.String()
    activity = fields.String()
    last_activity_at = Instant(dump_only=True, allow_none=True, metadata={
        "description": "The network's last post or meeting, or a convener keeping it active."})
    eligibility = fields.Nested(Eligibility)
    external_link = fields.String(allow_none=True)
    member_count = fields.Integer(dump_only=True)
    my_status = fields.String(
        allow_none=True,
        dump_only=True,
        metadata={"description": "Your place in it: active, requested, invited or null."},
    )
    my_role = fields.String(allow_none=True, dump_only=True)
    created_at = Instant(dump_only=True)
    updated_at = Instant(dump_only=True)


class NetworkQuery(PageQuery):
    q = fields.String(
        validate=validate.Length(min=1, max=100), metadata={"description": "Text in name or description."}
    )
    theme = Id(metadata={"description": "Tagged with this theme (or one of its sub-themes)."})
    association_id = Id(metadata={"description": "Owned by this association."})
    country = fields.String(
        validate=Country, metadata={"description": "Owned by an association in this country."}
    )
    language = fields.String(
        validate=Language, metadata={"description": "Has a name or description in this language."}
    )
    activity = fields.String(validate=validate.OneOf(ACTIVITIES))
    join_policy = fields.String(validate=validate.OneOf(JOIN_POLICIES))
    mine = fields.Boolean(
        metadata={"description": "Only networks I am in (or asked or was invited to join)."}
    )


class JoinRequest(Input):
    message = fields.String(validate=validate.Length(max=1000))


class Invitation(Input):
    person_id = Id(required=True)
    message = fields.String(validate=validate.Length(max=1000))


class JoinDecision(Input):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    reason = fields.String(validate=validate.Length(max=500))


class MemberUpdate(Input):
    role = fields.String(required=True, validate=validate.OneOf(MEMBER_ROLES))


class NetworkMember(Output):
    person_id = fields.String()
    name = fields.String()
    role = fields.String()
    status = fields.String()
    message = fields.String(allow_none=True)
    joined_at = Instant(allow_none=True)
    created_at = Instant()


class NetworkMemberQuery(PageQuery):
    status = fields.String(load_default="active", validate=validate.OneOf(MEMBER_STATUSES))


class OwnerAdd(Input):
    association_id = Id(required=True)


class OwnerDecision(Input):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))


# --- matches --------------------------------------------------------------------


class MatchQuery(PageQuery):
    cross_border = fields.Boolean(
        load_default=False, metadata={"description": "Only organisations in another country."}
    )
    association_id = Id(metadata={"description": "Only organisations of this association."})
    theme = Id(metadata={"description": "Only organisations with this theme (profile, offer or need)."})


class MatchReason(Output):
    kind = fields.String(
        metadata={
            "description": "needs_your_offer, offers_your_need, shared_themes, "
            "same_network or complementary_sector."
        }
    )
    text = fields.String()
    themes = fields.List(fields.Nested(ThemeRef))
    networks = fields.List(fields.Dict())


class MatchOrganisation(Output):
    id = fields.String()
    name = fields.String()
    country = fields.String()
    region = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)
    owner_association_id = fields.String()


class MatchSuggestion(Output):
    organisation = fields.Nested(MatchOrganisation)
    score = fields.Integer()
    reasons = fields.List(fields.Nested(MatchReason))
    status = fields.String(metadata={"description": "suggested, accepted or introduced."})
    match_id = fields.String(allow_none=True)


class MatchDecision(Input):
    decision = fields.String(required=True, validate=validate.OneOf(MATCH_DECISIONS))


class Match(Output):
    id = fields.String()
    organisation_id = fields.String()
    candidate_id = fields.String()
    status = fields.String()
    reasons = fields.List(fields.Dict())
    introduced_at = Instant(allow_none=True)
    created_at = Instant()


class Introduction(Input):
    message = fields.String(validate=validate.Length(max=1000))
