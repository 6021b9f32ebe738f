"""What a calendar feed is called (X-WR-CALNAME), in the reader's language from the catalogues."""
from nabo_common.i18n.catalogues import N_, gettext

FEED_NAMES = {
    "association": N_("Events of {name}"),
    "network": N_("Events of the network {name}"),
}


def feed_name(kind, name, language):
    return gettext(language, FEED_NAMES[kind], name=name)


def in_language(names, language):
    """One text of a ``{language: text}`` map: the caller's language, else English, else any."""
    return names.get(language) or names.get("en") or next(iter(names.values()), "")
