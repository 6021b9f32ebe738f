"""``make run``'s script (scripts/run-local.sh) started as a terminal starts it, for the tests that use the
system as a newcomer does."""
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the fixed local ports of scripts/run-local.sh: the gateway, the four services, the SMTP sink and its page
PORTS = (8000, 8001, 8002, 8003, 8004, 1025, 8025)
COMPONENT_PORTS = PORTS[:5]
RUNNING = "nabo is running."


def in_use(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def skip_unless_ports_free():
    busy = [port for port in PORTS if in_use(port)]
    if busy:
        pytest.skip(f"ports {busy} are taken (is `make run` running?)")


def _as_a_foreground_job():
    # a shell without job control starts background commands with SIGINT ignored, and the ignoring is
    # inherited: were the tests started so, the script could not even trap Ctrl-C. A terminal's
    # foreground job gets it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class RunLocal:
    """The script in a session of its own, as a terminal's foreground job (Ctrl-C signals the whole group),
    its output collected line by line."""

    def __init__(self, env):
        # the script's notifications send to its own sink, not where the tests send theirs (tests/conftest.py)
        env = {name: value for name, value in env.items() if name != "NOTIFICATIONS_SMTP_PORT"}
        self.process = subprocess.Popen(["bash", "scripts/run-local.sh"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True, preexec_fn=_as_a_foreground_job)
        self.lines, self.running = [], threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith(RUNNING):
                self.running.set()

    def wait_running(self, timeout):
        assert self.running.wait(timeout), "the system did not come up:\n" + "".join(self.lines[-30:])

    @property
    def output(self):
        return "".join(self.lines)

    def kill(self):
        """Whatever is left of the script's process group, at once."""
        if group_alive(self.process.pid):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
