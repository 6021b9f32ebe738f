"""Names of what the members service owns, in the reader's language: theme labels and host companies
for reports and calendars. A theme shows its label in the reader's language, else the first there is
(English, German, Dutch, Danish, Swedish), and says which language that was; a theme that is no theme
id (free text) shows as written."""
from cachetools import TTLCache

from nabo_common.api.errors import NaboError

LABEL_FALLBACK = ("en", "de", "nl", "da", "sv")
THEME_PAGE = 200  # the taxonomy holds tens of themes; the most one page gives
SHARED_LABELS_SECONDS = 300  # a renamed theme reaches attached calendars this much later at most


def in_language(labels, language):
    """(text, language it is in) of a ``{language: text}`` map: the reader's, else the first there is."""
    for candidate in (language, *LABEL_FALLBACK):
        if (labels or {}).get(candidate):
            return labels[candidate], candidate
    return None, None


def theme_labels(directory):
    """``{theme id: {language: label}}`` of the taxonomy, from the members service."""
    return {theme["id"]: theme["labels"] for theme in directory.themes(THEME_PAGE)}


class Names:
    """Looks names up once per answer, through ``directory`` (the members service, as the caller)."""

    def __init__(self, directory, language):
        self.directory = directory
        self.language = language
        self._themes = None
        self._organisations = {}

    def _theme_labels(self):
        if self._themes is None:
            self._themes = theme_labels(self.directory)
        return self._themes

    def theme(self, value):
        name, language = in_language(self._theme_labels().get(value), self.language)
        return {"id": value, "name": name or value, "name_language": language}

    def theme_names(self, values):
        return [self.theme(value)["name"] for value in values]

    def _organisation(self, organisation_id):
        if organisation_id not in self._organisations:
            try:
                self._organisations[organisation_id] = self.directory.organisation(organisation_id)
            except NaboError:
                self._organisations[organisation_id] = None
        return self._organisations[organisation_id]

    def organisation(self, organisation_id):
        """The organisation's name, or None where the reader may not see it."""
        found = self._organisation(organisation_id) if organisation_id else None
        return found["name"] if found else None

    def organisation_country(self, organisation_id):
        """The organisation's country, or None where the reader may not see it."""
        found = self._organisation(organisation_id) if organisation_id else None
        return found.get("country") if found else None

    def host_name(self, event):
        """The name of the company whose premises ``event`` is held at: as the reader may see it, else as
        the organiser named it when choosing the venue (where a published event is held is part of it)."""
        return self.organisation(event.venue_organisation_id) or event.venue_host_name


class FixedNames(Names):
    """Theme labels given beforehand and host companies by the name stored on the event, for an answer
    built inside a transaction, where no lookup may wait (a mail's attached calendar)."""

    def __init__(self, theme_labels, language):
        super().__init__(None, language)
        self._themes = theme_labels

    def host_name(self, event):
        return event.venue_host_name


class SharedThemeLabels:
    """The taxonomy's labels, shared by a process's attached calendars for a few minutes: a registration
    asks the members service for them at most once in that time, before its transaction (``warm``)."""

    def __init__(self, seconds=SHARED_LABELS_SECONDS):
        self._labels = TTLCache(maxsize=1, ttl=seconds)

    def warm(self, directory):
        if directory is not None and "themes" not in self._labels:
            try:
                self._labels["themes"] = theme_labels(directory)
            except NaboError:
                # calendars show theme ids meanwhile; registrations do not each wait on a members
                # service that is down or slow
                self._labels["themes"] = {}

    def names(self, language):
        return FixedNames(self._labels.get("themes", {}), language)

    def clear(self):
        self._labels.clear()


attachment_names = SharedThemeLabels()


class NoNames(Names):
    """Names as they are stored, for a calendar rendered with no reader and no names given."""

    def __init__(self):
        super().__init__(None, "en")

    def _theme_labels(self):
        return {}

    def host_name(self, event):
        return None


def name_host_companies(views, names):
    """Give each view's venue the name of the host company whose premises it is: as the reader sees the
    company, else as the organiser named it when choosing the venue (``host_organisation_name``)."""
    for view in views:
        venue = view.get("venue")
        if venue and venue.get("host_organisation_id"):
            venue["host_organisation_name"] = (names.organisation(venue["host_organisation_id"])
                                               or venue.get("host_organisation_name"))
        elif venue:
            venue["host_organisation_name"] = None
    return views

