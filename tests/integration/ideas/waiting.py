"""Waiting for what events make true a moment later."""
import time


def eventually(check, timeout=10.0):
    """Retry ``check`` until it stops raising AssertionError or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def assert_equal(actual, expected):
    assert actual == expected, f"{actual!r} != {expected!r}"
    return actual
