"""The message catalogues: one ``locale/<lang>/LC_MESSAGES/nabo.po`` per language, read with Babel and
compiled in memory on first use, so there is no build step and no compiled file to keep in step."""
import gettext as gettext_mod
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "nabo"
LANGUAGES = ("da", "nl", "de", "sv", "en")
SOURCE_LANGUAGE = "en"


def N_(message):  # noqa: N802 - the conventional gettext marker
    """Mark ``message`` for extraction where it is defined; it is translated where it is shown."""
    return message


def po_path(language):
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(language):
    """The catalogue of ``language`` (fuzzy entries left out); any other language reads English."""
    path = po_path(language) if language in LANGUAGES else None
    if path is None or not path.exists():
        return gettext_mod.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# the place whose value is itself a message: the name of what was not found, such as "Theme"
TRANSLATED_PLACES = frozenset({"what"})


def gettext(language, message, **params):
    """``message`` in ``language`` with ``params`` put in its ``{name}`` places; the value of a
    ``{what}`` place is translated too. Other values (names, ids, codes) are shown as they are."""
    catalogue = translations(language)
    text = catalogue.gettext(message) if message else message
    if not params:
        return text
    return text.format(**{name: catalogue.gettext(value) if name in TRANSLATED_PLACES and value else value
                          for name, value in params.items()})


def ngettext(language, singular, plural, count, **params):
    text = translations(language).ngettext(singular, plural, count)
    return text.format(count=count, **params)
