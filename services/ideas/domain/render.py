"""The catalogue as CSV (one row per idea) and Markdown (a Jinja2 template in
../templates); the printable HTML page is catalogue_page's."""
import csv
import io
import os
import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}
CSV_COLUMNS = ("sub_theme_key", "sub_theme", "idea_id", "title", "need", "expected_effect", "description",
               "suggested_partners", "submitted_by", "supports", "supports_by_organisation", "initiatives")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_inline(text):
    """Text as one Markdown line: special characters escaped, line breaks folded."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def _partners(idea):
    return "; ".join(p["name"] for p in idea["suggested_partners"])


def _by_organisation(idea):
    counts = idea["supports_by_organisation"]
    return "; ".join(f"{c['name'] or 'Unknown organisation'}: {c['supports']}" for c in counts)


_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape((), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.filters.update(md=md_inline, partners=_partners, by_organisation=_by_organisation)


def _csv(catalogue):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
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
                    _by_organisation(idea),
                    "; ".join(i["title"] for i in idea["initiatives"]),
                ]
            )
    return out.getvalue()


def document(catalogue, fmt):
    panel = catalogue["panel"]
    if fmt == "csv":
        body = _csv(catalogue)
    else:
        body = _environment.get_template(f"catalogue.{fmt}.j2").render(catalogue=catalogue, panel=panel)
    return {
        "content_type": CONTENT_TYPES[fmt],
        "filename": f"idea-catalogue-{panel['year']}-{panel['id'][:8]}.{fmt}",
        "body": body,
    }
