"""Which of the platform's languages a reader gets: the best of an Accept-Language header (q-values
honoured, ``de-AT`` read as ``de``), else their own preference, else the association's default, else
English."""
from babel import Locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from nabo_common.i18n.catalogues import LANGUAGES, SOURCE_LANGUAGE


def from_header(accept_language):
    """The platform language an Accept-Language header asks for first, or None."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    preferred = [tag.replace("-", "_") for tag, quality in accepted if quality > 0 and tag != "*"]
    if not preferred:
        return None
    found = Locale.negotiate(preferred, LANGUAGES, sep="_")
    if found is None:
        # Babel matches whole tags or their aliases; a regional tag (sv_FI) counts as its language
        primaries = [tag.split("_")[0].lower() for tag in preferred]
        found = next((tag for tag in primaries if tag in LANGUAGES), None)
    return str(found) if found else None


def pick(*candidates):
    """The first of ``candidates`` the platform speaks, else English."""
    return next((c for c in candidates if c in LANGUAGES), SOURCE_LANGUAGE)


def negotiate(accept_language, *fallbacks):
    return pick(from_header(accept_language), *fallbacks)
