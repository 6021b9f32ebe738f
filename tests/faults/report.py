"""Render the fault suite's results (JSON written by tests/faults/conftest.py) as the table in
docs/reliability.md, between the RESULTS markers; with ``--cluster``, the cluster scenarios' results
(tests/cluster) between the CLUSTER RESULTS markers.

    python -m tests.faults.report [.nabo/fault-results.json]
    python -m tests.faults.report --cluster [.nabo/cluster-results.json]
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs", "reliability.md")
MARKERS = {
    "faults": ("<!-- RESULTS BEGIN -->", "<!-- RESULTS END -->", "fault-results.json"),
    "cluster": ("<!-- CLUSTER RESULTS BEGIN -->", "<!-- CLUSTER RESULTS END -->", "cluster-results.json"),
}


def _by_number(item):
    """Scenarios in their numbers' order (10 after 9)."""
    number, _, rest = item[0].lstrip("c").partition(".")
    return (int(number), rest) if number.isdigit() else (float("inf"), item[0])


def _figure(value):
    """A recorded figure as text: counts as ``label×n``, a sequence of attempts in order."""
    if isinstance(value, dict) and all(isinstance(v, (int, float)) for v in value.values()):
        return ", ".join(f"{k}×{v}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return " → ".join(str(v) for v in value)
    return str(value)


def table(results):
    lines = [f"Run of {results['written_at']}:", "",
             "| scenario | requests | accepted | lost | duplicated | unexpected | interrupted | recovery (s) "
             "| what callers got, and the fault's evidence |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in sorted(results["scenarios"].items(), key=_by_number):
        notes = []
        regs = r.get("registrations") or {}
        answers = regs.get("outcomes") or regs.get("statuses") or r.get("answers")
        if answers:
            notes.append("answers " + ", ".join(f"{k}×{v}" for k, v in sorted(answers.items())))
        if regs.get("refused_applied"):
            notes.append(f"{regs['refused_applied']} refused but applied whole")
        if regs.get("conflict_with_itself"):
            notes.append(f"{regs['conflict_with_itself']} answered 409 about their own registration (request "
                         "run again after the crash)")
        if regs.get("interrupted"):
            notes.append(f"{regs['interrupted']} mail interrupted (at-most-once, visible)")
        if r.get("campaign"):
            c = r["campaign"]
            notes.append(f"{c.get('what', 'campaign')} {c['delivered']}/{c['recipients']} once")
        for key in (
            "answered_during_outage",
            "answered_after_waiting_through_the_partition",
            "longest_wait_seconds",
            "sent_at_crash",
            "durable_message_kept",
            "connections_cut",
            "connections_rabbitmq_closed_for_missed_heartbeats",
            "events_waiting",
            "handlers_waiting_on_the_lock",
            "send_attempts",
            "outbox_pending_at_kill",
            "duplicate_publishes",
            "notifications_cpu_share",
            "dead_after_replay",
            "slowest_answer_seconds",
            "reminder_mails",
            "handled_ok",
            "retried",
            "sent_at_kill",
            "sent_at_first_stop",
            "outbox_pending_at_switch",
            "last_mail_after_restart_seconds",
            "attempt_statuses",
            "clients_retried",
            "answered_from_an_earlier_commit",
            "attempts_hit_by_the_kill",
            "replayed_by_gateway",
            "serving_again_seconds",
            "queues_led_by_the_killed_node",
            "sent_at_cut",
            "partition_seconds",
            "rejoined_seconds",
            "queues_led_by_the_cut_node",
            "answered_while_switching",
            "outbox_rows_committed_before_the_switch",
            "killed_while_queueing",
            "queued_counts_seen",
            "inbox_items",
        ):
            if key in r:
                notes.append(f"{key.replace('_', ' ')} {_figure(r[key])}")
        recovery = "–" if r.get("recovery_seconds") is None else r["recovery_seconds"]
        lines.append(
            f"| {name} | {r['requests']} | {r.get('accepted', '–')} | {r['lost']} | {r['duplicated']} | "
            f"{r.get('unexpected', 0)} | {r.get('interrupted', 0)} | {recovery} | {'; '.join(notes)} |"
        )
    return "\n".join(lines)


def main(*args):
    suite = "cluster" if "--cluster" in args else "faults"
    begin, end, default = MARKERS[suite]
    paths = [a for a in args if a != "--cluster"]
    path = paths[0] if paths else os.path.join(ROOT, ".nabo", default)
    with open(path) as f:
        results = json.load(f)
    with open(DOC) as f:
        doc = f.read()
    head, _, rest = doc.partition(begin)
    _, _, tail = rest.partition(end)
    with open(DOC, "w") as f:
        f.write(f"{head}{begin}\n{table(results)}\n{end}{tail}")


if __name__ == "__main__":
    main(*sys.argv[1:])
