"""``nabo_common.cli migrate`` in a process of its own, as ``make run`` and the deployment's migration Jobs
run it: nothing but the command has been imported, so a migration that publishes (the members service
seeds its themes through the outbox) must find its event contracts by itself."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("service", ["members", "events", "notifications", "ideas"])
def test_migrate_brings_a_fresh_sqlite_database_to_the_latest_revision(tmp_path, service):
    database = tmp_path / f"{service}.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "nabo_common.cli", "migrate", service],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if service == "members":  # the seeded themes went out through the outbox
            assert (
                connection.execute(
                    "SELECT count(*) FROM outbox_events WHERE event_type = 'theme.created'"
                ).fetchone()[0]
                > 0
            )


def test_bootstrap_creates_the_platform_admin_in_a_process_of_its_own(tmp_path):
    # make run migrates and then creates the platform admin with nothing else imported: the person.created
    # event it writes needs the members contracts registered by the command's own imports
    database = tmp_path / "members.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", PYTHONPATH=str(ROOT))
    bootstrap = ["services.members.bootstrap", "--email", "admin@example.org", "--password", "long-password"]
    for command in (["nabo_common.cli", "migrate", "members"], bootstrap):
        result = subprocess.run([sys.executable, "-m", *command], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM outbox_events WHERE event_type = 'person.created'"
                                  ).fetchone()[0] == 1
