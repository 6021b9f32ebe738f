"""``make run``'s script as a newcomer uses it: everything comes up on its defaults, printing nabo's own
lines only, and Ctrl-C (or ``kill``, for a script started in the background) stops every process it
started, saying so once, without claiming that a process failed."""
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the fixed local ports of scripts/run-local.sh: the gateway, the four services, the SMTP sink and its page
PORTS = (8000, 8001, 8002, 8003, 8004, 1025, 8025)


COMPONENT_PORTS = PORTS[:5]


def _frozen_objects(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("nabo_gc_frozen_objects "):
                return float(line.split()[1])
    return 0


def _dependency_warnings(text):
    return [line for line in text.splitlines() if "DeprecationWarning" in line or "is deprecated" in line]


def _in_use(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.fixture
def local_ports_free():
    busy = [port for port in PORTS if _in_use(port)]
    if busy:
        pytest.skip(f"ports {busy} are taken (is `make run` running?)")


def _as_a_foreground_job():
    # a shell without job control starts background commands with SIGINT ignored, and the ignoring is
    # inherited: were the tests started so, the script could not even trap Ctrl-C. A terminal's
    # foreground job gets it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop, exit_code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "kill"])
def test_stopping_stops_everything_and_reports_no_failure(tmp_path, amqp_uri, local_ports_free, stop, exit_code):
    env = dict(os.environ, NABO_DATA_DIR=str(tmp_path / "nabo"), NABO_DEMO_DATA="0", AMQP_URI=amqp_uri)
    # a session of its own, as a terminal's foreground job: Ctrl-C signals the whole group
    script = subprocess.Popen(["bash", "scripts/run-local.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True,
                              preexec_fn=_as_a_foreground_job)
    lines, running = [], threading.Event()

    def read():
        for line in script.stdout:
            lines.append(line)
            if line.startswith("nabo is running."):
                running.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert running.wait(180), "the system did not come up:\n" + "".join(lines[-30:])
        assert all(_in_use(port) for port in PORTS)
        for port in COMPONENT_PORTS:  # served as deployed: start-up's objects kept out of collections
            assert _frozen_objects(port) > 10_000, port
        os.killpg(script.pid, stop)
        assert script.wait(30) == exit_code
        reader.join(10)
        output = "".join(lines)
        assert output.count("nabo: stopping") == 1, output[-2000:]
        assert "a process exited" not in output, output[-2000:]
        assert not _dependency_warnings(output), output[-2000:]
        for log in (tmp_path / "nabo" / "logs").glob("*.log"):  # each component's `serve` stderr
            assert not _dependency_warnings(log.read_text()), (log.name, _dependency_warnings(log.read_text()))
        deadline = time.monotonic() + 15
        while _group_alive(script.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(script.pid), "processes of the system outlived the script"
        assert not any(_in_use(port) for port in PORTS)
    finally:
        if _group_alive(script.pid):
            os.killpg(script.pid, signal.SIGKILL)
        script.wait(10)


def test_a_port_in_use_stops_the_script_before_it_starts_anything(tmp_path, amqp_uri, local_ports_free):
    # a listener on the events service's port, as an earlier run left behind would hold it
    with socket.socket() as held:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the tests before may leave it in TIME_WAIT
        held.bind(("127.0.0.1", 8002))
        held.listen()
        env = dict(os.environ, NABO_DATA_DIR=str(tmp_path / "nabo"), NABO_DEMO_DATA="0", AMQP_URI=amqp_uri)
        result = subprocess.run(["bash", "scripts/run-local.sh"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 1, result.stdout[-2000:]
        assert "port 8002 on 127.0.0.1 is in use" in result.stdout
        assert "nabo is running." not in result.stdout
        assert not any(_in_use(port) for port in PORTS if port != 8002)
        assert not (tmp_path / "nabo" / "logs" / "events.log").exists()
