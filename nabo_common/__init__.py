"""Backbone shared by every nabo service: configuration, database sessions,
the transactional outbox and its relay, idempotent event consumers with
dead letters, caller context, health, metrics and structured logs."""

# the version of the API and the event contracts (OpenAPI and AsyncAPI documents); see docs/api-versioning.md
__version__ = "1.0.0"
