"""docs/walkthrough.md as a reader follows it: the system started as ``make run`` starts it (its first
command), then every other ```sh block of the page, in order, in one bash, exactly as written. Only curl
is wrapped, so that a reply the page does not expect (not 2xx) stops the run with its body."""
import os
import re
import subprocess

import pytest

from tests.support.run_local import ROOT, RunLocal, skip_unless_ports_free

PAGE = ROOT / "docs" / "walkthrough.md"
# what the reader's shell is not told but a replay must know: stop at the first failing command
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --max-time 30 "$@"; }
"""


def shell_blocks(markdown):
    return re.findall(r"^```sh\n(.*?)^```$", markdown, re.S | re.M)


def test_the_page_starts_from_make_run_and_every_block_is_a_command():
    blocks = shell_blocks(PAGE.read_text(encoding="utf-8"))
    assert blocks[0] == "make run\n"
    assert len(blocks) > 15
    # no id of the run that wrote the page in a command: ids come from earlier responses
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert not [block for block in blocks if uuid.search(block)]


# the demo data loads through the API before the page's commands run: longer than one ordinary test
@pytest.mark.timeout(1200)
def test_the_walkthrough_replays_as_written_against_make_run(tmp_path, amqp_uri):
    skip_unless_ports_free()
    blocks = shell_blocks(PAGE.read_text(encoding="utf-8"))
    env = dict(os.environ, NABO_DATA_DIR=str(tmp_path / "nabo"), AMQP_URI=amqp_uri)
    env.pop("NABO_DEMO_DATA", None)
    run = RunLocal(env)
    try:
        run.wait_running(600)  # the demo data loads through the API first
        assert "demo data did not load completely" not in run.output, run.output[-3000:]
        script = PRELUDE + "".join(blocks[1:])
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, (result.stderr[-3000:], result.stdout[-3000:])
        assert '"status":"confirmed"' in result.stdout.replace(" ", "")  # the registration
        assert "# Erhvervspanelet 2024" in result.stdout  # the last command: the catalogue
    finally:
        run.kill()
