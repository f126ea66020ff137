"""A time limit for a student's code: an endless loop fails its item instead of hanging the
grader. SIGALRM interrupts Python code (a long numpy call finishes first); where there is no
such signal (Windows) or outside the main thread, code runs without a limit."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class TimedOut(BaseException):
    """Raised inside the student's code when time is up; a BaseException, so that no
    `except Exception` of theirs (or the checker's) swallows it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if seconds <= 0 or not usable:
        yield
        return

    def expire(number: int, frame: Any) -> None:
        raise TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
