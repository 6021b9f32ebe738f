import pytest

from nabo_common.persistence import db, migrations


@pytest.fixture
def events_engine(tmp_path):
    """The events service's schema on SQLite, migrated: for the outbox and relay, which every service
    shares."""
    url = f"sqlite:///{tmp_path / 'events.db'}"
    migrations.upgrade("events", url)
    engine = db.make_engine(url)
    yield engine
    engine.dispose()
