"""Routes of the networks part of the API (declared with gateway.http.api)."""


class NetworksRoutes:
    pass
