"""The theme taxonomy: language-neutral ids with labels in five languages,
and the themes organisations are tagged with."""
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from nabo_common.api.errors import Conflict, Forbidden, ValidationFailed
from nabo_common.api.pagination import page
from contracts.api import networks as schemas
from nabo_common.api.validation import load
from services.members.domain import access
from services.members.domain.common import get_or_404, publish
from services.members.models import OrganisationTheme, Theme

LABEL_FALLBACK = ("en", "de", "nl", "da", "sv")


def label(labels, language):
    """The label in ``language``, else the first of English, German, Dutch, Danish, Swedish there is."""
    for lang in (language, *LABEL_FALLBACK):
        if labels.get(lang):
            return labels[lang]
    return ""


def theme_view(theme, language):
    return {"id": theme.id, "key": theme.key, "parent_id": theme.parent_id, "labels": dict(theme.labels),
            "label": label(theme.labels, language)}


def _event_data(theme):
    return {"theme_id": theme.id, "key": theme.key, "parent_id": theme.parent_id, "labels": dict(theme.labels)}


def require_theme_editor(caller):
    access.require_authenticated(caller)
    if not (caller.is_privileged or caller.admin_of):
        raise Forbidden("Only platform or association admins may change the theme taxonomy.")


def check_theme_ids(session, theme_ids, field="themes"):
    """The distinct ids, after checking every one is in the taxonomy."""
    wanted = list(dict.fromkeys(theme_ids or ()))
    if not wanted:
        return []
    known = set(session.scalars(select(Theme.id).where(Theme.id.in_(wanted))).all())
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise ValidationFailed("Unknown theme.", {field: [f"No such theme: {', '.join(unknown)}."]})
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
        raise ValidationFailed("Themes are two levels deep.", {"parent_id": ["Choose a top-level theme as parent."]})


def list_(session, caller, query):
    q = load(schemas.ThemeQuery, query)
    stmt = select(Theme).order_by(Theme.key)
    if q.get("parent_id"):
        stmt = stmt.where(Theme.parent_id == q["parent_id"])
    rows = session.scalars(stmt).all()
    if q.get("q"):
        # the taxonomy is small (tens of themes): matching labels of all languages here is simplest
        needle = q["q"].lower()
        rows = [t for t in rows if needle in t.key or any(needle in v.lower() for v in t.labels.values())]
    items = [theme_view(t, caller.language) for t in rows]
    return page(items[q["offset"]:q["offset"] + q["limit"]], len(items), q["limit"], q["offset"])


def get(session, caller, theme_id):
    return theme_view(get_or_404(session, Theme, theme_id, "Theme"), caller.language)


def create(session, caller, payload):
    require_theme_editor(caller)
    data = load(schemas.ThemeCreate, payload)
    with session.begin():
        _check_parent(session, data.get("parent_id"))
        theme = Theme(key=data["key"], parent_id=data.get("parent_id"), labels=data["labels"])
        session.add(theme)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(f"A theme with key {data['key']} exists already.") from None
        publish(session, "theme.created", _event_data(theme), caller)
    return theme_view(theme, caller.language)


def _require_curator_for_changes(caller, theme, data):
    """Every association sees the shared taxonomy: an association admin adds themes and
    translations, but rewording a label or moving a theme changes it for everybody, so that is
    for platform admins."""
    if caller.is_privileged:
        return
    if "parent_id" in data and data["parent_id"] != theme.parent_id:
        raise Forbidden("Only a platform admin may move a theme in the shared taxonomy.")
    rewritten = sorted(lang for lang, label in data.get("labels", {}).items()
                       if lang in theme.labels and theme.labels[lang] != label)
    if rewritten:
        raise Forbidden(f"Only a platform admin may change existing labels of the shared taxonomy "
                        f"({', '.join(rewritten)}); add translations for other languages.")


def update(session, caller, theme_id, payload):
    require_theme_editor(caller)
    data = load(schemas.ThemeUpdate, payload)
    with session.begin():
        theme = get_or_404(session, Theme, theme_id, "Theme")
        _require_curator_for_changes(caller, theme, data)
        if "parent_id" in data:
            if data["parent_id"] is not None and session.scalar(select(Theme.id).where(Theme.parent_id == theme.id)):
                raise ValidationFailed("Themes are two levels deep.",
                                       {"parent_id": ["This theme has sub-themes; it stays top-level."]})
            _check_parent(session, data["parent_id"], theme.id)
            theme.parent_id = data["parent_id"]
        if "labels" in data:
            theme.labels = {**theme.labels, **data["labels"]}
        session.flush()
        publish(session, "theme.updated", _event_data(theme), caller)
    return theme_view(theme, caller.language)


def set_organisation_themes(session, org, kind, theme_ids):
    """Replace the organisation's themes of ``kind``; True if they changed."""
    wanted = set(theme_ids)
    current = {link.theme_id for link in org.theme_links if link.kind == kind}
    if wanted == current:
        return False
    org.theme_links = [link for link in org.theme_links if link.kind != kind or link.theme_id in wanted] + [
        OrganisationTheme(organisation_id=org.id, theme_id=t, kind=kind) for t in sorted(wanted - current)]
    return True


def remove_organisation_themes(session, organisation_id):
    session.execute(delete(OrganisationTheme).where(OrganisationTheme.organisation_id == organisation_id))
