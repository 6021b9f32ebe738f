"""One nabo component under cProfile on a CPU clock, for ``benchmarks.system --cprofile``.

    python -m benchmarks.cpu_profile OUT COMPONENT

py-spy samples wall time and counts a green thread waiting in the eventlet hub's
epoll as busy; with ``time.process_time`` as the profiler's clock a wait costs
nothing, so the figures are where the component's CPU goes. SIGUSR1 clears
what was counted so far (start-up), so a profile can cover the load alone. The
stats are written to OUT when the component stops (SIGTERM, as the cluster
stops it).
"""
import cProfile
import signal
import sys
import time


def main():
    out, component = sys.argv[1], sys.argv[2]
    from nabo_common import cli

    profiler = cProfile.Profile(time.process_time)
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: profiler.clear())
    profiler.enable()
    try:
        cli.main(["serve", component])
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
