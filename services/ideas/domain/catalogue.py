"""The idea catalogue: a panel's accepted ideas grouped by sub-theme, with
their supports. Public (no sign-in) once the panel has published it; before
that only the panel's readers see the draft."""
from datetime import datetime, timezone

from sqlalchemy import select

from contracts.api import ideas as schemas
from nabo_common.api.moments import utc_text
from nabo_common.api.validation import dump, load
from nabo_common.i18n.catalogues import N_, gettext
from services.ideas.domain import access, catalogue_page, render, trace, views
from services.ideas.models import Idea

OTHER_SECTION = N_("Other ideas")


def build(session, panel, language="en"):
    ideas = session.scalars(select(Idea).where(Idea.panel_id == panel.id, Idea.status == "accepted")
                            .order_by(Idea.support_count.desc(), Idea.title, Idea.id)).all()
    orgs = views.organisation_names(panel)
    by_org = views.supports_by_organisation(session, panel, [i.id for i in ideas])
    initiatives = {}
    for idea in ideas:
        initiatives[idea.id] = [dump(schemas.InitiativeRef, trace.initiative_ref(i))
                                for i in trace.initiatives_of(session, [idea.id])]
    sections = [{"key": s.key, "name": s.name, "ideas": []} for s in panel.sub_themes]
    by_sub_theme = {s.id: section for s, section in zip(panel.sub_themes, sections)}
    other = {"key": None, "name": gettext(language, OTHER_SECTION), "ideas": []}
    for idea in ideas:
        entry = dump(schemas.CatalogueIdea, idea)
        entry.update(submitter_organisation_name=orgs.get(idea.submitter_organisation_id),
                     supports_by_organisation=by_org.get(idea.id, []), initiatives=initiatives[idea.id])
        by_sub_theme.get(idea.sub_theme_id, other)["ideas"].append(entry)
    if other["ideas"]:
        sections.append(other)
    return {
        "panel": dump(schemas.CataloguePanel, panel),
        "published": access.is_published(panel),
        "published_at": utc_text(panel.catalogue_published_at),
        "generated_at": utc_text(datetime.now(timezone.utc)),
        "idea_count": len(ideas),
        "support_count": sum(i.support_count for i in ideas),
        "sections": sections,
    }


def get(session, caller, panel_id, query, directory):
    """JSON as a dict; other formats as {content_type, filename, body}."""
    q = load(schemas.CatalogueQuery, query)
    panel = access.visible_panel_or_404(session, caller, panel_id)
    catalogue = build(session, panel, caller.language)
    fmt = q.get("format", "json")
    if fmt == "json":
        return catalogue
    if fmt == "html":
        association = directory.association(panel.association_id)
        return catalogue_page.page(session, caller, panel, catalogue, association)
    return render.document(catalogue, fmt, caller.language)
