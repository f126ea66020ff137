"""Stopping training between two steps: the first Ctrl-C (or SIGTERM) asks the loop to stop
after the step under way, so that the weights, optimiser, random state and step count agree;
a second one interrupts at once. Used by `backproplab train` and by the notebook widget."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType


class StopRequest:
    """Asked before each step: has a stop been requested? `signal` is the first that asked."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self) -> bool:
        return self.signal is not None


SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


@contextmanager
def stops_between_steps(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)
                        ) -> Iterator[StopRequest]:
    """The first Ctrl-C (or SIGTERM, which `kill`, `docker stop`, systemd and batch schedulers
    send) asks training to stop after the current step, so the checkpoint holds weights,
    optimiser and random state of one step; a second one interrupts at once."""
    request = StopRequest()
    previous = {number: signal.getsignal(number) for number in signals}

    def first(number: int, frame: FrameType | None) -> None:
        request.signal = request.signal or number
        signal.signal(number, previous[number])
        name = SIGNAL_NAMES.get(number, f"signal {number}")
        print(f"\n{name}: stopping after this step and saving ({name} again to abort)",
              file=sys.stderr)

    # not when started with the signal ignored (a background job's SIGINT), nor off the main thread
    ours = [number for number in signals if previous[number] in (
        signal.default_int_handler, signal.SIG_DFL)] \
        if threading.current_thread() is threading.main_thread() else []
    for number in ours:
        signal.signal(number, first)
    try:
        yield request
    finally:
        for number in ours:
            if signal.getsignal(number) is first:
                signal.signal(number, previous[number])


def ctrl_c_stops_between_steps() -> AbstractContextManager[StopRequest]:
    """Ctrl-C alone (the notebook widget: a kernel's SIGTERM is Jupyter's to handle)."""
    return stops_between_steps((signal.SIGINT,))
