"""Request and response schemas shared by the gateway (validation, OpenAPI)
and the services (which validate again: they are a wall of their own)."""
