"""The catalogue as CSV (one row per idea) and Markdown (a Jinja2 template in
../templates); the printable HTML page is catalogue_page's."""
import csv
import io
import os
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from nabo_common.i18n.catalogues import N_, gettext, ngettext

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}
CSV_HEADINGS = (N_("Sub-theme key"), N_("Sub-theme"), N_("Idea id"), N_("Title"), N_("Need"),
                N_("Expected effect"), N_("Description"), N_("Suggested partners"), N_("Submitted by"),
                N_("Supports"), N_("Supports by organisation"), N_("Initiatives"))
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_inline(text):
    """Text as one Markdown line: special characters escaped, line breaks folded."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def _partners(idea):
    return "; ".join(p["name"] for p in idea["suggested_partners"])


@pass_context
def _by_organisation(context, idea):
    return _supports_text(idea, context["language"])


def _supports_text(idea, language):
    unknown = gettext(language, N_("Unknown organisation"))
    return "; ".join(f"{c['name'] or unknown}: {c['supports']}" for c in idea["supports_by_organisation"])


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape((), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    extensions=["jinja2.ext.i18n"],
)
_environment.filters.update(md=md_inline, partners=_partners, by_organisation=_by_organisation)


def _csv(catalogue, language):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext(language, heading) for heading in CSV_HEADINGS])
    for section in catalogue["sections"]:
        for idea in section["ideas"]:
            writer.writerow(
                [
                    section["key"] or "",
                    section["name"],
                    idea["id"],
                    idea["title"],
                    idea["need"] or "",
                    idea["expected_effect"] or "",
                    idea["description"] or "",
                    _partners(idea),
                    idea["submitter_organisation_name"] or "",
                    idea["support_count"],
                    _supports_text(idea, language),
                    "; ".join(i["title"] for i in idea["initiatives"]),
                ]
            )
    return out.getvalue()


def document(catalogue, fmt, language):
    """The catalogue as ``fmt``, its headings in ``language`` (the Markdown's from the catalogues through
    Jinja2's i18n extension; the HTML page speaks English)."""
    panel = catalogue["panel"]
    if fmt == "csv":
        body = _csv(catalogue, language)
    else:
        template = _environment.get_template(f"catalogue.{fmt}.j2")
        body = template.render(catalogue=catalogue, panel=panel, language=language,
                               gettext=lambda message, **params: gettext(language, message, **params),
                               ngettext=lambda one, many, n: ngettext(language, one, many, n))
    return {
        "content_type": CONTENT_TYPES[fmt],
        "filename": f"idea-catalogue-{panel['year']}-{panel['id'][:8]}.{fmt}",
        "body": body,
    }
