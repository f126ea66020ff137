"""What the training loop and the page share: the events so far, and the page's controls.

The trainer publishes events (a step's loss, a validation, diagnostics, samples); every page
that connects gets all of them from the start, then each new one as it comes, so a reload or a
second tab sees the same run. The page's controls — pause, resume, one step, a new learning
rate — are read by the loop between two steps only, so the model, optimiser and random state
always agree (the same place where Ctrl-C stops it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from models.metrics import encode

KEEP_STEPS = 4000   # step events kept for pages that connect later (older ones are thinned)


class LiveSession:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._events: list[bytes] = []   # each framed for the event stream, encoded once
        self._serial = 0           # events ever published (a page's position in the stream)
        self.paused = False
        self._single_steps = 0     # steps asked for one at a time while paused
        self._new_lr: float | None = None
        self.finished = False
        self.extras: dict[str, Any] = {}   # served files, e.g. the model graph's SVG

    # --- the trainer's side -----------------------------------------------------------------
    def publish(self, kind: str, **payload: Any) -> None:
        text = encode({"kind": kind, **payload})   # NaN as null
        with self._changed:
            self._events.append(b"data: " + text.encode() + b"\n\n")
            self._serial += 1
            if len(self._events) > 2 * KEEP_STEPS:
                self._thin()
            self._changed.notify_all()

    def _thin(self) -> None:
        """Every other of the oldest step events goes; validations and the rest stay."""
        head, tail = self._events[:KEEP_STEPS], self._events[KEEP_STEPS:]
        steps = [i for i, e in enumerate(head) if e.startswith(b'data: {"kind":"step"')]
        dropped = set(steps[::2])
        self._events = [e for i, e in enumerate(head) if i not in dropped] + tail
        self._serial = len(self._events)

    def wait_for_permission(self, interrupted: Callable[[], bool]) -> None:
        """Return when the next step may run: at once unless paused; while paused, when the page
        asks for one step, resumes, or training is interrupted (Ctrl-C)."""
        with self._changed:
            while self.paused and not self._single_steps and not interrupted():
                self._changed.wait(0.1)
            if self._single_steps:
                self._single_steps -= 1

    def take_new_lr(self) -> float | None:
        with self._changed:
            lr, self._new_lr = self._new_lr, None
            return lr

    def finish(self) -> None:
        with self._changed:
            self.finished = True
            self._changed.notify_all()

    # --- the page's side ----------------------------------------------------------------------
    def control(self, action: str, value: Any = None) -> str:
        """Apply one of the page's controls; returns an error message, or "" when applied."""
        with self._changed:
            if action == "pause":
                self.paused = True
            elif action == "resume":
                self.paused, self._single_steps = False, 0
            elif action == "step":
                self.paused, self._single_steps = True, self._single_steps + 1
            elif action == "lr":
                try:
                    lr = float(value)
                except (TypeError, ValueError):
                    return f"lr: not a number: {value!r}"
                if not 0 < lr < 10:
                    return f"lr: {lr} is outside (0, 10)"
                self._new_lr = lr
            else:
                return f"unknown control {action!r}"
            self._changed.notify_all()
        self.publish("control", paused=self.paused, action=action,
                     **({"lr": self._new_lr} if action == "lr" else {}))
        return ""

    def events_after(self, position: int, timeout: float = 1.0) -> tuple[list[bytes], int, bool]:
        """The events after `position` (waiting up to `timeout` for one), the new position, and
        whether the page must start again from the first (the list was thinned meanwhile)."""
        with self._changed:
            if position >= self._serial and not self.finished:
                self._changed.wait(timeout)
            restart = position > self._serial
            if restart:
                position = 0
            return self._events[position:], self._serial, restart
