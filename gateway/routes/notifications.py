"""Routes of the notifications part of the API (declared with gateway.http.api)."""


class NotificationsRoutes:
    pass
