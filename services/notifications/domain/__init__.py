"""Notifications domain logic: plain functions over a SQLAlchemy session and
the verified caller. No nameko here; service.py delegates to these."""
