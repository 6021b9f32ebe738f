"""What a calendar feed is called (X-WR-CALNAME) in each language the platform speaks."""

FEED_NAMES = {
    "association": {
        "da": "Arrangementer hos {name}", "nl": "Evenementen van {name}", "de": "Veranstaltungen von {name}",
        "sv": "Evenemang hos {name}", "en": "Events of {name}",
    },
    "network": {
        "da": "Arrangementer i netværket {name}", "nl": "Evenementen van het netwerk {name}",
        "de": "Veranstaltungen des Netzwerks {name}", "sv": "Evenemang i nätverket {name}",
        "en": "Events of the network {name}",
    },
}


def feed_name(kind, name, language):
    phrases = FEED_NAMES[kind]
    return phrases.get(language, phrases["en"]).format(name=name)


def in_language(names, language):
    """One text of a ``{language: text}`` map: the caller's language, else English, else any."""
    return names.get(language) or names.get("en") or next(iter(names.values()), "")
