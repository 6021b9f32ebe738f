"""Run every benchmark one after the other and print their figures.

    python -m benchmarks.run_all [--quick]
        [--only system,campaign,campaign_2,matchmaking,ideas,events_rpc,meeting_market,page_rush,
                conversations]

Each benchmark runs as its own process (they use private vhosts and
databases, removed afterwards). --quick shortens load runs and shrinks the
data, for a smoke check of the scripts; the published figures come from a
run without it. Output also goes to .nabo/benchmarks/run_all.txt.
"""
import argparse
import os
import subprocess
import sys
import time

from benchmarks import common

BENCHMARKS = {
    "system": (
        ["benchmarks.system"],
        [
            "benchmarks.system",
            "--duration",
            "2",
            "--writes",
            "300",
            "--grow-organisations",
            "5000",
            "--grow-registrations",
            "5000",
            "--grow-events",
            "400",
        ],
    ),
    "campaign": (["benchmarks.campaign_fanout"], ["benchmarks.campaign_fanout", "--recipients", "500"]),
    # two notifications replicas, the deployment's minimum
    "campaign_2": (
        ["benchmarks.campaign_fanout", "--replicas", "2"],
        ["benchmarks.campaign_fanout", "--replicas", "2", "--recipients", "500"],
    ),
    "matchmaking": (
        ["benchmarks.matchmaking"],
        ["benchmarks.matchmaking", "--organisations", "1000", "--calls", "50"],
    ),
    "ideas": (
        ["benchmarks.idea_similarity"],
        ["benchmarks.idea_similarity", "--ideas", "100", "--calls", "50"],
    ),
    "events_rpc": (["benchmarks.events_rpc"], ["benchmarks.events_rpc", "--calls", "50"]),
    "meeting_market": (["benchmarks.meeting_market"], ["benchmarks.meeting_market", "--participants", "50"]),
    "conversations": (
        ["benchmarks.conversations"],
        ["benchmarks.conversations", "--members", "200", "--posts", "2000", "--seconds", "3"],
    ),
    "page_rush": (
        ["benchmarks.page_after_rush"],
        [
            "benchmarks.page_after_rush",
            "--events",
            "200",
            "--registrations",
            "2000",
            "--rush",
            "500",
            "--calls",
            "20",
            "--wait",
            "0",
        ],
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    args = parser.parse_args()
    os.makedirs(common.LOG_DIR, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=common.ROOT, PYTHONWARNINGS="ignore")
    failed = []
    with open(os.path.join(common.LOG_DIR, "run_all.txt"), "w") as transcript:

        def say(text):
            print(text, flush=True)
            transcript.write(text + "\n")
            transcript.flush()

        say(f"# nabo benchmarks ({common.machine_load()})")
        for name in args.only.split(","):
            full, quick = BENCHMARKS[name]
            argv = [sys.executable, "-m", *(quick if args.quick else full)]
            say(f"\n# {name}: {' '.join(argv[2:])}")
            started = time.perf_counter()
            process = subprocess.Popen(
                argv, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            for line in process.stdout:
                say(line.rstrip())
            if process.wait() != 0:
                failed.append(name)
            say(
                f"({name}: {time.perf_counter() - started:.0f} s, exit {process.returncode}, "
                f"{common.machine_load()})"
            )
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
