"""A test's mail never reaches a developer's ``make run`` sink on the default SMTP port."""
import socket

from services.notifications import config
from tests.support.run_local import PORTS


def test_tests_without_a_sink_of_their_own_send_to_a_port_nobody_serves():
    port = config.load().smtp_port
    assert port not in PORTS
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
