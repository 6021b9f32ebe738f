"""Routes of the events part of the API (declared with gateway.http.api)."""


class EventsRoutes:
    pass
