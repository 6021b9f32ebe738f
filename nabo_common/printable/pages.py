"""Report pages in the reader's language: Jinja2 templates whose texts go
through ``_()`` (jinja2.ext.i18n), translated by nabo's catalogues
(nabo_common.i18n), with dates and amounts written the reader's way by Babel."""

import os
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from nabo_common.i18n import formats
from nabo_common.i18n.catalogues import translations
from nabo_common.runtime.context import LANGUAGES

LAYOUTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
FALLBACK = "en"


def language_of(language):
    return language if language in LANGUAGES else FALLBACK


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
    """The templates of one service's report pages."""

    def __init__(self, templates_dir):
        self.templates_dir = templates_dir
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
        catalogue = translations(language)
        environment.install_gettext_translations(catalogue, newstyle=True)
        environment.filters.update(
            date=lambda value, form="long": local_date(value, language, form),
            money=lambda minor, currency: money(minor, currency, language),
            number=lambda value: format_decimal(value, locale=language),
            percent=lambda share: formats.percent(share, language),
        )
        environment.globals["language"] = language
        return environment, catalogue

    def gettext(self, language):
        """``_`` for texts made outside the template, such as chart titles and legends."""
        return self._environment(language_of(language))[1].gettext

    def render(self, template, language, **context):
        environment = self._environment(language_of(language))[0]
        return environment.get_template(template).render(**context)
