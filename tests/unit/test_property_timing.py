"""Property tests fail on what they check, never on the time a stalled machine takes to run them."""
import time

from hypothesis import given
from hypothesis import strategies as st

STALL_SECONDS = 1.2  # as a full garbage collection of a test process thousands of tests old can take


class Once:
    """Stalls at its second call: Hypothesis times the draws and runs of the examples it generates, which
    come after the first."""

    def __init__(self):
        self.calls = 0

    def stall(self, value):
        self.calls += 1
        if self.calls == 2:
            time.sleep(STALL_SECONDS)
        return value


drawing = Once()
running = Once()


@given(st.integers().map(drawing.stall))
def test_a_stall_while_inputs_are_drawn_fails_no_property(number):
    assert number + 0 == number


@given(st.integers())
def test_a_stall_while_an_example_runs_fails_no_property(number):
    running.stall(number)
    assert number * 1 == number
