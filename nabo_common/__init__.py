"""Backbone shared by every nabo service: configuration, database sessions,
the transactional outbox and its relay, idempotent event consumers with
dead letters, caller context, health, metrics and structured logs."""
