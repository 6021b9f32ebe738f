"""The demo data's conversations are ones the documented routes accept (scripts/demo_data.py)."""

import importlib
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _demo_data(monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPTS))  # it imports its name lists as demo.names
    monkeypatch.delitem(sys.modules, "demo_data", raising=False)
    return importlib.import_module("demo_data")


def test_every_demo_opportunity_is_written_by_someone_who_speaks_for_an_organisation(monkeypatch):
    # a private answer introduces two organisations: one by an admin with none would be 409 on demo data
    demo = _demo_data(monkeypatch)
    contacts = {key for _country, _index, key in demo.MEMBER_ACCOUNTS}  # each an organisation's contact
    opportunities = [(author, thread["title"])
                     for threads in (demo.KAYAK_THREADS, demo.CLIMBING_THREADS, demo.CLUSTER_THREADS)
                     for author, thread, _replies in threads if thread["kind"] == "opportunity"]
    assert len(opportunities) >= 2
    assert [(author, title) for author, title in opportunities if author not in contacts] == []
