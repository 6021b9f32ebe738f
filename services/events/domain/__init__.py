"""Events domain logic: plain functions over a SQLAlchemy session and the
verified caller. No nameko here; service.py delegates to these."""
# the event types this service publishes: every domain module that writes to the outbox is in here, so the
# contracts are registered in any process that runs it (the service, a migration, the bootstrap command)
import contracts.events.events  # noqa: F401
