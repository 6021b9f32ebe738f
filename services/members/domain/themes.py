"""The theme taxonomy: language-neutral ids with labels in five languages,
and the themes organisations are tagged with.

The taxonomy is shared by every association, so it is curated: a theme an
association admin adds is a proposal until a platform admin accepts it, which
takes labels in all five languages. Only accepted themes are offered for
tagging; a retired one stays on what was tagged with it, and a merged one
hands everything tagged with it to the theme it was merged into (here, and in
the other services through theme.merged)."""
from sqlalchemy import String, cast, delete, select  # update(): a theme's, below
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError

from contracts.api import networks as schemas
from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.pagination import page
from nabo_common.api.validation import load
from nabo_common.i18n.catalogues import N_
from services.members.domain import access
from services.members.domain.common import get_or_404, publish
from services.members.models import NetworkTheme, OfferNeed, OrganisationTheme, Theme
from services.members.taxonomy import LANGUAGES

LABEL_FALLBACK = ("en", "de", "nl", "da", "sv")
OFFERED = "accepted"


def label(labels, language):
    """The label in ``language``, else the first of English, German, Dutch, Danish, Swedish there is."""
    return label_and_language(labels, language)[0]


def label_and_language(labels, language):
    """(the label ``label`` picks, the language it is in); ("", None) when there is none."""
    for lang in (language, *LABEL_FALLBACK):
        if labels.get(lang):
            return labels[lang], lang
    return "", None


def missing_languages(labels):
    return [lang for lang in LANGUAGES if not labels.get(lang)]


def theme_view(theme, language):
    return {"id": theme.id, "key": theme.key, "parent_id": theme.parent_id, "labels": dict(theme.labels),
            "label": label(theme.labels, language), "label_is_fallback": not theme.labels.get(language),
            "missing_languages": missing_languages(theme.labels), "status": theme.status,
            "merged_into_id": theme.merged_into_id}


def _event_data(theme):
    return {
        "theme_id": theme.id,
        "key": theme.key,
        "parent_id": theme.parent_id,
        "labels": dict(theme.labels),
        "status": theme.status,
    }


def _trail_of(caller):
    """Whose audit trail a change of the shared taxonomy goes to: a platform admin's is the platform's
    (None), an association admin's their association's."""
    return None if caller.is_privileged else sorted(caller.admin_of)[0]


def require_theme_editor(caller):
    access.require_authenticated(caller)
    if not (caller.is_privileged or caller.admin_of):
        raise Forbidden("Only platform or association admins may change the theme taxonomy.")


def check_theme_ids(session, theme_ids, field="themes"):
    """The distinct ids, after checking every one is an accepted theme of the taxonomy."""
    wanted = list(dict.fromkeys(theme_ids or ()))
    if not wanted:
        return []
    status = dict(session.execute(select(Theme.id, Theme.status).where(Theme.id.in_(wanted))).all())
    unknown = [t for t in wanted if t not in status]
    if unknown:
        raise ValidationFailed("Unknown theme.", {field: [
            N_("No such theme: {themes}.").format(themes=', '.join(unknown))]})
    not_offered = [f"{t} ({status[t]})" for t in wanted if status[t] != OFFERED]
    if not_offered:
        raise ValidationFailed(
            "Theme not offered for tagging.",
            {field: [N_("Only accepted themes are offered for tagging: {themes}.").format(
                themes=", ".join(not_offered))]},
        )
    return wanted


def with_sub_themes(session, theme_id):
    """A theme and its sub-themes (the taxonomy is two levels deep)."""
    return [theme_id, *session.scalars(select(Theme.id).where(Theme.parent_id == theme_id)).all()]


def labels_for(session, theme_ids, language):
    if not theme_ids:
        return {}
    rows = session.scalars(select(Theme).where(Theme.id.in_(list(theme_ids)))).all()
    return {t.id: label(t.labels, language) for t in rows}


def refs(theme_ids, labels):
    return [{"id": t, "label": labels.get(t, "")} for t in theme_ids]


def _check_parent(session, parent_id, theme_id=None):
    if parent_id is None:
        return
    parent = session.get(Theme, parent_id)
    if parent is None:
        raise ValidationFailed("Unknown parent theme.", {"parent_id": ["No such theme."]})
    if parent.parent_id is not None or parent_id == theme_id:
        raise ValidationFailed(
            "Themes are two levels deep.", {"parent_id": ["Choose a top-level theme as parent."]}
        )


def list_(session, caller, query):
    q = load(schemas.ThemeQuery, query)
    stmt = select(Theme).where(Theme.status == q.get("status", OFFERED)).order_by(Theme.key)
    if q.get("parent_id"):
        stmt = stmt.where(Theme.parent_id == q["parent_id"])
    rows = session.scalars(stmt).all()
    if q.get("q"):
        # the taxonomy is small (tens of themes): matching labels of all languages here is simplest
        needle = q["q"].lower()
        rows = [t for t in rows if needle in t.key or any(needle in v.lower() for v in t.labels.values())]
    items = [theme_view(t, caller.language) for t in rows]
    return page(items[q["offset"] : q["offset"] + q["limit"]], len(items), q["limit"], q["offset"])


def get(session, caller, theme_id):
    return theme_view(get_or_404(session, Theme, theme_id, "Theme"), caller.language)


def create(session, caller, payload):
    require_theme_editor(caller)
    data = load(schemas.ThemeCreate, payload)
    with session.begin():
        _check_parent(session, data.get("parent_id"))
        # a platform admin's theme with every label joins at once; any other is a proposal
        accepted = caller.is_privileged and not missing_languages(data["labels"])
        theme = Theme(
            key=data["key"],
            parent_id=data.get("parent_id"),
            labels=data["labels"],
            status=OFFERED if accepted else "proposed",
        )
        session.add(theme)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("A theme with key {key} exists already.", key=data['key']) from None
        publish(session, "theme.created", _event_data(theme), caller, _trail_of(caller))
    return theme_view(theme, caller.language)


def _require_curator_for_changes(caller, theme, data):
    """Every association sees the shared taxonomy: an association admin adds themes and
    translations, but rewording a label or moving a theme changes it for everybody, so that is
    for platform admins."""
    if caller.is_privileged:
        return
    if "parent_id" in data and data["parent_id"] != theme.parent_id:
        raise Forbidden("Only a platform admin may move a theme in the shared taxonomy.")
    rewritten = sorted(
        lang
        for lang, label in data.get("labels", {}).items()
        if lang in theme.labels and theme.labels[lang] != label
    )
    if rewritten:
        raise Forbidden(
            "Only a platform admin may change existing labels of the shared taxonomy ({labels}); add "
            "translations for other languages.", labels=", ".join(rewritten)
        )


def update(session, caller, theme_id, payload):
    require_theme_editor(caller)
    data = load(schemas.ThemeUpdate, payload)
    with session.begin():
        theme = get_or_404(session, Theme, theme_id, "Theme")
        _require_curator_for_changes(caller, theme, data)
        if "parent_id" in data:
            if data["parent_id"] is not None and session.scalar(
                select(Theme.id).where(Theme.parent_id == theme.id)
            ):
                raise ValidationFailed(
                    "Themes are two levels deep.",
                    {"parent_id": ["This theme has sub-themes; it stays top-level."]},
                )
            _check_parent(session, data["parent_id"], theme.id)
            theme.parent_id = data["parent_id"]
        if "labels" in data:
            theme.labels = {**theme.labels, **data["labels"]}
        session.flush()
        publish(session, "theme.updated", _event_data(theme), caller, _trail_of(caller))
    return theme_view(theme, caller.language)


def require_curator(caller):
    access.require_authenticated(caller)
    if not caller.is_privileged:
        raise Forbidden("Only a platform admin curates the shared theme taxonomy.")


def transition(session, caller, theme_id, payload):
    """Accept a proposal (it needs every label) or retire a theme."""
    require_curator(caller)
    data = load(schemas.ThemeTransition, payload)
    with session.begin():
        theme = get_or_404(session, Theme, theme_id, "Theme")
        allowed_from = {"accepted": ("proposed", "retired"), "retired": ("proposed", "accepted")}[data["to"]]
        if theme.status not in allowed_from:
            raise Conflict("A {status} theme cannot become {to}.", status=theme.status, to=data['to'])
        missing = missing_languages(theme.labels)
        if data["to"] == "accepted" and missing:
            raise ValidationFailed(
                "An accepted theme has a label in every language.",
                {"labels": [N_("Add the labels in {languages} first.").format(languages=', '.join(missing))]},
            )
        theme.status = data["to"]
        session.flush()
        publish(session, f"theme.{data['to']}", _event_data(theme), caller)
    return theme_view(theme, caller.language)


def _move_links(session, model, owner_columns, from_id, into_id):
    """Point the link rows of ``from_id`` at ``into_id``; where an owner (``owner_columns``) has both, one
    stays."""
    twin = model.__table__.alias("twin")
    has_both = select(twin.c.theme_id).where(
        twin.c.theme_id == into_id, *[twin.c[c] == getattr(model, c) for c in owner_columns]
    )
    session.execute(
        delete(model)
        .where(model.theme_id == from_id, has_both.exists())
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update_rows(model)
        .where(model.theme_id == from_id)
        .values(theme_id=into_id)
        .execution_options(synchronize_session=False)
    )


def retag(theme_ids, from_id, into_id):
    """A list of theme ids with ``from_id`` replaced by ``into_id``, each once, in order."""
    return list(dict.fromkeys(into_id if t == from_id else t for t in theme_ids))


def merge(session, caller, theme_id, payload):
    """Merge a theme into an accepted one: organisations', networks' and offers' tags follow, sub-themes
    move under it, and theme.merged tells the other services to re-tag what they hold."""
    require_curator(caller)
    data = load(schemas.ThemeMerge, payload)
    with session.begin():
        theme = get_or_404(session, Theme, theme_id, "Theme")
        into = session.get(Theme, data["into_theme_id"])
        if into is None or into.id == theme.id or into.status != OFFERED:
            raise ValidationFailed(
                "Merge into another, accepted theme.",
                {"into_theme_id": ["Choose an accepted theme other than this one."]},
            )
        if theme.status == "merged":
            raise Conflict("This theme was merged into {merged_into_id} already.",
                           merged_into_id=theme.merged_into_id)
        children = select(Theme.id).where(Theme.parent_id == theme.id)
        if into.parent_id is not None and session.scalar(children.limit(1)):
            raise ValidationFailed(
                "Themes are two levels deep.",
                {"into_theme_id": ["This theme has sub-themes; merge it into a top-level theme."]},
            )
        session.execute(
            update_rows(Theme)
            .where(Theme.parent_id == theme.id)
            .values(parent_id=into.id)
            .execution_options(synchronize_session=False)
        )
        _move_links(session, OrganisationTheme, ("organisation_id", "kind"), theme.id, into.id)
        _move_links(session, NetworkTheme, ("network_id",), theme.id, into.id)
        # offers keep their theme ids as JSON; a text match narrows the scan before the exact change
        for item in session.scalars(
            select(OfferNeed).where(cast(OfferNeed.themes, String).contains(theme.id))
        ):
            item.themes = retag(item.themes, theme.id, into.id)
        theme.status, theme.merged_into_id = "merged", into.id
        session.flush()
        session.expire_all()  # the links changed under the loaded organisations and networks
        publish(
            session,
            "theme.merged",
            {"theme_id": theme.id, "key": theme.key, "into_theme_id": into.id, "into_key": into.key},
            caller,
        )
        theme = session.get(Theme, theme_id)
    return theme_view(theme, caller.language)


def set_organisation_themes(session, org, kind, theme_ids):
    """Replace the organisation's themes of ``kind``; True if they changed."""
    wanted = set(theme_ids)
    current = {link.theme_id for link in org.theme_links if link.kind == kind}
    if wanted == current:
        return False
    org.theme_links = [link for link in org.theme_links if link.kind != kind or link.theme_id in wanted] + [
        OrganisationTheme(organisation_id=org.id, theme_id=t, kind=kind) for t in sorted(wanted - current)
    ]
    return True


def remove_organisation_themes(session, organisation_id):
    session.execute(delete(OrganisationTheme).where(OrganisationTheme.organisation_id == organisation_id))
