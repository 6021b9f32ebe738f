"""On PostgreSQL the migrations have autovacuum keep registrations' visibility map current, so that seat
counts stay index-only scans during a registration rush; a downgrade gives the defaults back."""
from alembic import command
from sqlalchemy import create_engine, text

from nabo_common.persistence import migrations
from tests.support.infra import make_database

SETTINGS = {"autovacuum_vacuum_insert_scale_factor=0.01", "autovacuum_vacuum_scale_factor=0.01"}


def _options(engine):
    with engine.connect() as conn:
        return set(
            conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'registrations'")).scalar()
            or ()
        )


def test_registrations_are_vacuumed_at_one_percent_and_the_downgrade_resets_it():
    url = make_database("events")
    engine = create_engine(url)
    try:
        assert _options(engine) == SETTINGS
        command.downgrade(migrations.alembic_config("events", url), "f3f3a24f70d4")
        assert _options(engine) == set()
        migrations.upgrade("events", url)
        assert _options(engine) == SETTINGS
    finally:
        engine.dispose()
