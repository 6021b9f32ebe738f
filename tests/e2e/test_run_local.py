"""``make run``'s script as a newcomer uses it: everything comes up on its defaults, printing nabo's own
lines only, and Ctrl-C (or ``kill``, for a script started in the background) stops every process it
started, saying so once, without claiming that a process failed."""
import os
import signal
import socket
import subprocess
import time
import urllib.request

import psutil
import pytest

from tests.support.run_local import (
    COMPONENT_PORTS,
    PORTS,
    ROOT,
    RunLocal,
    group_alive,
    in_use,
    skip_unless_ports_free,
)


def _frozen_objects(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("nabo_gc_frozen_objects "):
                return float(line.split()[1])
    return 0


def _dependency_warnings(text):
    return [line for line in text.splitlines() if "DeprecationWarning" in line or "is deprecated" in line]


@pytest.fixture
def local_ports_free():
    skip_unless_ports_free()


@pytest.mark.parametrize(
    "stop, exit_code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "kill"]
)
def test_stopping_stops_everything_and_reports_no_failure(
    tmp_path, amqp_uri, local_ports_free, stop, exit_code
):
    env = dict(os.environ, NABO_DATA_DIR=str(tmp_path / "nabo"), NABO_DEMO_DATA="0", AMQP_URI=amqp_uri)
    run = RunLocal(env)
    script = run.process
    try:
        run.wait_running(180)
        assert all(in_use(port) for port in PORTS)
        # the demo accounts' passwords are in the docs: reachable from this machine only
        listening = {c.laddr for c in psutil.net_connections(kind="tcp")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port in PORTS}
        assert listening and {address.ip for address in listening} == {"127.0.0.1"}, listening
        for port in COMPONENT_PORTS:  # served as deployed: start-up's objects kept out of collections
            assert _frozen_objects(port) > 10_000, port
        os.killpg(script.pid, stop)
        assert script.wait(30) == exit_code
        run.reader.join(10)
        output = run.output
        assert output.count("nabo: stopping") == 1, output[-2000:]
        assert "a process exited" not in output, output[-2000:]
        assert not _dependency_warnings(output), output[-2000:]
        for log in (tmp_path / "nabo" / "logs").glob("*.log"):  # each component's `serve` stderr
            warnings = _dependency_warnings(log.read_text())
            assert not warnings, (log.name, warnings)
        deadline = time.monotonic() + 15
        while group_alive(script.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not group_alive(script.pid), "processes of the system outlived the script"
        assert not any(in_use(port) for port in PORTS)
    finally:
        run.kill()


def test_a_port_in_use_stops_the_script_before_it_starts_anything(tmp_path, amqp_uri, local_ports_free):
    # a listener on the events service's port, as an earlier run left behind would hold it
    with socket.socket() as held:
        held.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # the tests before may leave it in TIME_WAIT
        held.bind(("127.0.0.1", 8002))
        held.listen()
        env = dict(os.environ, NABO_DATA_DIR=str(tmp_path / "nabo"), NABO_DEMO_DATA="0", AMQP_URI=amqp_uri)
        result = subprocess.run(
            ["bash", "scripts/run-local.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 1, result.stdout[-2000:]
        assert "port 8002 on 127.0.0.1 is in use" in result.stdout
        assert "nabo is running." not in result.stdout
        assert not any(in_use(port) for port in PORTS if port != 8002)
        assert not (tmp_path / "nabo" / "logs" / "events.log").exists()
