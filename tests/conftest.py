# Green-thread patching must happen before anything imports socket users;
# nameko's pytest plugin no longer does it for us.
from nabo_common.runtime import patch

patch.apply()

import os  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests check what holds, never how fast: speed is measured in benchmarks/. Hypothesis's own
# timings (a deadline per example, a health check on how fast inputs are drawn) fail a test when the
# machine stalls, as a full garbage collection of a test process thousands of tests old does
settings.register_profile("nabo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("nabo")

# The tiers register guests, send campaigns and post in networks far faster than any client should (the
# registration race alone is 52 guests from one address); the tests of these limits set their own values.
os.environ.setdefault("REGISTRATION_RATE_LIMIT", "100000/minute")
os.environ.setdefault("CAMPAIGN_SEND_RATE_LIMIT", "100000/minute")
os.environ.setdefault("POST_RATE_LIMIT", "100000/minute")

from nabo_common import cli  # noqa: E402
from tests.support.infra import (  # noqa: E402,F401
    amqp_uri,
    make_database,
    pg_admin_url,
    running_system,
    smtp_sink,
)

# the mail of a test that runs no SMTP sink of its own goes nowhere (refused, retried), not into the sink a
# developer's `make run` serves on the default port 1025: to the discard port, which no test's listener
# takes (they are given ephemeral ports) and no server here serves
NOWHERE_SMTP_PORT = 9
os.environ.setdefault("NOTIFICATIONS_SMTP_PORT", str(NOWHERE_SMTP_PORT))

# as the CLI does when it starts a component: every contract loaded, every consumer queue handed to topology
cli.declare_consumers()


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = str(item.fspath).split(os.sep)
        for tier in ("unit", "integration", "e2e", "faults", "cluster", "security"):
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))
