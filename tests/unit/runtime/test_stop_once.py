"""Two stop signals stop a service once: the second waits for the first instead of stopping its
entrypoints again (a timer stopped twice raised mid-shutdown)."""
import eventlet
from nameko.runners import ServiceRunner
from nameko.timer import timer

from nabo_common.runtime.runner import StopOnceRunner


class Ticking:
    name = "ticking"

    @timer(interval=3600)
    def tick(self):
        pass


def stop_twice_at_once(runner_class):
    runner = runner_class({})
    runner.add_service(Ticking)
    runner.start()
    stops = [eventlet.spawn(runner.stop) for _ in range(2)]
    failures = []
    for stop in stops:
        try:
            stop.wait()
        except AssertionError as failed:
            failures.append(failed)
    runner.kill()
    return failures


def test_nameko_runner_fails_when_stopped_twice_at_once():
    # what the runner guards against, so that this file fails if nameko ever changes under it
    assert stop_twice_at_once(ServiceRunner)


def test_the_runner_stops_once_however_many_signals_arrive():
    assert stop_twice_at_once(StopOnceRunner) == []
