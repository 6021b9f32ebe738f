"""How a moment leaves the API: RFC 3339 in UTC, written with Z (docs/events.md).

An event's own moments (its start, end, registration window, meeting times) are the exception: they keep
the offset of the event's time zone, which the events service applies before they get here.
"""

from datetime import timezone


def utc_text(moment):
    """``moment`` as RFC 3339 in UTC with Z; a naive moment is taken as UTC, as the database keeps it.
    None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
