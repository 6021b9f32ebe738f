"""docs/conversations.md runs as written: its shell blocks, in order, against the system with the demo
data, answer what the page says they answer."""

import json
import re
import subprocess
from pathlib import Path

from tests.e2e.test_demo_and_walkthrough import demo_system, load_demo  # noqa: F401  (the fixture)

PAGE = Path(__file__).resolve().parents[3] / "docs" / "conversations.md"


def shell_blocks():
    return re.findall(r"```sh\n(.*?)```", PAGE.read_text(), re.S)


def test_the_conversations_page_runs_as_written(demo_system):  # noqa: F811
    load_demo(demo_system["base_url"])  # loads what is not there yet: this test also runs alone
    script = "set -euo pipefail\n" + "\n".join(shell_blocks())
    result = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"BASE": demo_system["base_url"], "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    json_lines = [json.loads(line) for line in lines if line.startswith("{")]
    assert {
        "title": "Guide sökes till sommarens turer",
        "kind": "opportunity",
        "reply_count": 0,
    } in json_lines
    edited = [line for line in json_lines if line.get("body") == "Vi är fyra kajaker."]
    assert edited[0]["edited_at"] and edited[1]["author"]  # as edited, then as listed under its author
    assert "204" in lines and "404" in lines  # the deletion, and the hidden post for an anonymous reader
    # in the Swedish member's own language
    refused = {"status": 422, "errors": {"links": {"0": ["Ange en http://- eller https://-adress."]}}}
    assert refused in json_lines
    assert {"mode": "replies_and_mentions"} in json_lines
    assert {"reason": "Reklam som inte hör hemma här"} in json_lines
    assert [line for line in json_lines if "hidden" in line] == [{"hidden": True}, {"hidden": False}]
    assert {"locked": True} in json_lines
    locked = {"status": 409, "detail": "Den här tråden är låst: den tar inte emot fler svar."}
    assert locked in json_lines
