"""The events of a run as the server process keeps them for its pages.

Every page that connects gets all of them from the start, then each new one as it comes, so a
reload or a second tab sees the same run. The events arrive framed for the event stream and
encoded once (`data: {...}\\n\\n` as bytes); each page's stream writes them as they are.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from typing import Any

KEEP_STEPS = 4000   # events kept for pages that connect later (the playground's older per-step
                    # events are thinned; a run's batched "steps" events are all kept)


def frame(text: str) -> bytes:
    """One event as the stream sends it."""
    return b"data: " + text.encode() + b"\n\n"


class EventFeed:
    """The events so far, a condition the pages' streams wait on, and the files the trainer
    shares (`extras`, e.g. the model graph's source) for the server's routes."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._events: list[tuple[int, bytes]] = []   # (its serial, the event), in order
        self._serial = 0           # events ever added: a page's position is the last serial it has
        self.finished = False
        self.extras: dict[str, Any] = {}

    def add(self, event: bytes) -> None:
        with self._changed:
            self._serial += 1
            self._events.append((self._serial, event))
            if len(self._events) > 2 * KEEP_STEPS:
                self._thin()
            self._changed.notify_all()

    def _thin(self) -> None:
        """Every other of the oldest "step" events goes; validations and the rest stay. Serials
        stay too: a page already streaming goes on from where it is (pages that connect later
        get the thinned history)."""
        head, tail = self._events[:KEEP_STEPS], self._events[KEEP_STEPS:]
        steps = [i for i, (_, e) in enumerate(head) if e.startswith(b'data: {"kind":"step",')]
        dropped = set(steps[::2])
        self._events = [e for i, e in enumerate(head) if i not in dropped] + tail

    def finish(self) -> None:
        with self._changed:
            self.finished = True
            self._changed.notify_all()

    def wake(self) -> None:
        """Wake whoever waits for the feed (a page was added to the relay)."""
        with self._changed:
            self._changed.notify_all()

    def wait_past(self, seen: int, timeout: float) -> int:
        """Wait up to `timeout` s for an event beyond the first `seen` (or a wake); the count."""
        with self._changed:
            if self._serial == seen:
                self._changed.wait(timeout)
            return self._serial

    def events_after(self, position: int) -> tuple[list[bytes], int]:
        """The events after `position`, and the new position (`wait_past` waits for them)."""
        with self._changed:
            start = bisect_right(self._events, position, key=lambda entry: entry[0])
            return [event for _, event in self._events[start:]], self._serial
