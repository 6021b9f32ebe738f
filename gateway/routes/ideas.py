"""Routes of the ideas part of the API (declared with gateway.http.api)."""


class IdeasRoutes:
    pass
