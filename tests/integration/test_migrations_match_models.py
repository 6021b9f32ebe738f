"""Each service's Alembic migrations build exactly the schema its model module declares, so a
model change without its migration fails here rather than in a deployment."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from tests.support.infra import make_database


@pytest.mark.parametrize("service", ["members", "events", "notifications", "ideas"])
def test_migrations_build_the_models_schema(service):
    models = importlib.import_module(f"services.{service}.models")
    engine = create_engine(make_database(service))
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
