"""Alembic per service: each service keeps its revisions in
``services/<name>/migrations``; this module runs them programmatically."""
import os

from alembic import command
from alembic.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def alembic_config(service, database_url):
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(ROOT, "services", service, "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(service, database_url, revision="head"):
    from nabo_common.persistence.db import make_engine

    if database_url.startswith("sqlite"):
        make_engine(database_url).dispose()  # creates the data directory
    command.upgrade(alembic_config(service, database_url), revision)


def render_item(type_, obj, autogen_context):
    """Render project column types as plain SQLAlchemy so revisions import nothing of ours."""
    from nabo_common.persistence.types import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(metadata):
    """Body of every service's migrations/env.py."""
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True,
                          render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                          render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
