"""Every text of the report pages has its translation in all five languages:
the message ids the templates and the chart code use, against each
language's catalogue of nabo (nabo_common/i18n/locale/<language>/LC_MESSAGES/nabo.po)."""

import glob
import os
import re

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from nabo_common.i18n.catalogues import po_path
from nabo_common.printable.pages import LANGUAGES
from services.events.domain import report_pages
from services.ideas.domain import catalogue_page

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = {
    "events": (
        "services/events/domain/report_pages.py",
        report_pages.CHANNELS,
        report_pages.FORMATS,
        report_pages.STATUSES,
    ),
    "ideas": (
        "services/ideas/domain/catalogue_page.py",
        catalogue_page.STATUSES,
        catalogue_page.INITIATIVE_STATUSES,
    ),
}


def used_texts(service):
    code, *names = PAGES[service]
    texts = set()
    for template in glob.glob(os.path.join(ROOT, f"services/{service}/reports/templates/*.j2")):
        options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
        texts |= {
            m
            for _, m, _, _ in extract_from_file("jinja2.ext:babel_extract", template, options=options)
            if isinstance(m, str)
        }
    with open(os.path.join(ROOT, code), encoding="utf-8") as source:
        texts |= set(re.findall(r'_\("([^"]+)"\)', source.read()))
    for mapping in names:
        texts |= set(mapping.values())
    return texts


@pytest.mark.parametrize("service", sorted(PAGES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_pages_is_translated(service, language):
    with po_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    texts = used_texts(service)
    assert len(texts) > 20
    assert sorted(texts - set(translated)) == []
    for text in texts:
        assert re.findall(r"%\(\w+\)s", text) == re.findall(r"%\(\w+\)s", translated[text]), text
