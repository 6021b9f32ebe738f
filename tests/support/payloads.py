"""Event data in the shape its publisher sends it, for tests of the services that consume it."""

# the calendar attachment a registration.confirmed carries
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//nabo//events//EN\r\nBEGIN:VEVENT\r\nUID:e1@nabo\r\n"
       "DTSTAMP:20260101T000000Z\r\nDTSTART:20260303T130000Z\r\nSUMMARY:Grøn omstilling\r\nEND:VEVENT\r\n"
       "END:VCALENDAR\r\n")


def event_data(event_id, association_id, **overrides):
    """An event as the events service announces it (event.published/updated/cancelled/completed)."""
    data = {
        "event_id": event_id,
        "association_ids": [association_id],
        "network_id": None,
        "programme_id": None,
        "title": "Grøn omstilling",
        "starts_at": "2026-03-03T13:00:00+00:00",
        "ends_at": "2026-03-03T15:00:00+00:00",
        "time_zone": "Europe/Copenhagen",
        "format": "hybrid",
        "languages": ["da", "de"],
        "themes": [],
        "venue": "Alsion, Alsion 2, 6400 Sønderborg",
        "join_url": "https://meet.test/groen",
        "visibility": "association",
        "status": "published",
        "sequence": 0,
        "changes": [],
        "reason": None,
        "ics": None,
    }
    data.update(overrides)
    return data
