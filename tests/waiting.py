"""Waiting for something to happen, by looking until it has (never a fixed sleep).

A poll with a generous deadline is as fast as the machine allows and only fails when the
thing never happens; a sleep that assumes something has happened by then, or an assertion
that it happened within a window of wall-clock time, fails on a busy two-core CI. Intervals
inside one event loop are tested on the loop's own clock instead (looptime:
`@pytest.mark.looptime`).
"""

import time

POLL_SECONDS = 0.05


def wait_until(condition, timeout: float, what="", interval: float = POLL_SECONDS):
    """Call `condition()` until it returns something true, and return that.

    Raises AssertionError saying `what` was awaited when `timeout` seconds pass first (`what`
    may be a function, called then: the last lines of a server's log). An assertion inside
    `condition` fails at once (for a state that must never be seen).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            awaited = what() if callable(what) else what
            raise AssertionError(f"not within {timeout}s: {awaited or condition}")
        time.sleep(interval)
