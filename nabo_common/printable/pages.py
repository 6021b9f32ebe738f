"""Report pages in the reader's language: Jinja2 templates whose texts go
through ``_()`` (jinja2.ext.i18n), translated by a service's own catalogue
(``<locale dir>/<language>/LC_MESSAGES/<domain>.po``), with dates and amounts
written the reader's way by Babel."""

import io
import os
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from nabo_common.runtime.context import LANGUAGES

LAYOUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
FALLBACK = "en"


def language_of(language):
    return language if language in LANGUAGES else FALLBACK


def load_translations(locale_dir, domain, language):
    """The catalogue of ``language`` (English texts are their own translation)."""
    path = os.path.join(locale_dir, language, "LC_MESSAGES", f"{domain}.po")
    if not os.path.exists(path):
        return NullTranslations()
    with open(path, "rb") as po:
        catalogue = read_po(po, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def as_date(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def local_date(value, language, form="long"):
    return format_date(as_date(value), form, locale=language)


def money(minor, currency, language):
    """Minor units as the reader writes the amount: 75.000,00 kr. in Danish, € 7.500,00 in Dutch."""
    return format_currency(minor / 100, currency, locale=language)


class Pages:
    """The templates of one service's report pages and their catalogue."""

    def __init__(self, templates_dir, locale_dir, domain):
        self.templates_dir = templates_dir
        self.locale_dir = locale_dir
        self.domain = domain
        self._environment = lru_cache(maxsize=None)(self._build)

    def _build(self, language):
        environment = Environment(
            loader=FileSystemLoader([self.templates_dir, LAYOUTS]),
            autoescape=select_autoescape(("html", "html.j2")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        translations = load_translations(self.locale_dir, self.domain, language)
        environment.install_gettext_translations(translations, newstyle=True)
        environment.filters.update(
            date=lambda value, form="long": local_date(value, language, form),
            money=lambda minor, currency: money(minor, currency, language),
            number=lambda value: format_decimal(value, locale=language),
            percent=lambda share: format_percent(share, locale=language),
        )
        environment.globals["language"] = language
        return environment, translations

    def gettext(self, language):
        """``_`` for texts made outside the template, such as chart titles and legends."""
        return self._environment(language_of(language))[1].gettext

    def render(self, template, language, **context):
        environment = self._environment(language_of(language))[0]
        return environment.get_template(template).render(**context)
