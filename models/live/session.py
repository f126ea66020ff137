"""What the training loop and the page share: the run's events on their way to the page, and the
page's controls on their way back.

The page is served by a process of its own (models/live/server.py), so that a room of browsers
costs the trainer's process nothing but the publishing. The trainer publishes events (a step's
loss, a validation, diagnostics, samples) and shares files (the model graph's source); each goes
to the server process through a pipe, written by a thread of its own, so publishing never waits
for the server. The page's controls — pause, resume, one step, a new learning rate — come back
through another pipe, checked by the server before it answers the page, and are read by the
loop between two steps only, so the model, optimiser and random state always agree (the same
place where Ctrl-C stops it).
"""

from __future__ import annotations

import pickle
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from models.metrics import encode

CONTROLS = ("pause", "resume", "step", "lr")


@dataclass
class Controls:
    """The state the page's controls set: paused, steps asked for one at a time while paused, a
    new learning rate not yet taken. The trainer keeps the real one; the server a copy, to
    tell every page whether the run is paused."""

    paused: bool = False
    single_steps: int = 0
    new_lr: float | None = None

    @staticmethod
    def problem(action: str, value: Any = None) -> str:
        """What is wrong with a control from the page ("" when nothing is)."""
        if action not in CONTROLS:
            return f"unknown control {action!r}"
        if action == "lr":
            try:
                lr = float(value)
            except (TypeError, ValueError):
                return f"lr: not a number: {value!r}"
            if not 0 < lr < 10:
                return f"lr: {lr} is outside (0, 10)"
        return ""

    def apply(self, action: str, value: Any = None) -> None:
        """Apply a control that has no `problem`."""
        if action == "pause":
            self.paused = True
        elif action == "resume":
            self.paused, self.single_steps = False, 0
        elif action == "step":
            self.paused, self.single_steps = True, self.single_steps + 1
        elif action == "lr":
            self.new_lr = float(value)


class LiveSession:
    """The trainer's side: `publish` events, `share` files for the server's routes, and take the
    page's controls between steps. Messages published before a server is attached wait for it;
    after `detach` nothing is sent any more. If the server stops, training goes on (a paused
    run resumes, with one line on stderr)."""

    def __init__(self) -> None:
        self._controls = Controls()
        self._outbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._inbox: Connection | None = None

    # --- to the server ------------------------------------------------------------------------
    def publish(self, kind: str, **payload: Any) -> None:
        self._outbox.put(("event", encode({"kind": kind, **payload})))   # NaN as null

    def share(self, name: str, value: Any) -> None:
        """Make `value` the server's `extras[name]`, for its routes. It is pickled later, by the
        sender thread: pass a value nothing changes afterwards (a copy), of classes the server
        can import (defined in a module, not in `__main__`)."""
        self._outbox.put(("extra", name, value))

    def finish(self) -> None:
        """The run is over: the pages get the events so far and their streams end."""
        self._outbox.put(("finish",))

    def attach(self, outbox: Connection, inbox: Connection) -> None:
        """Send every message, from now on and those waiting, to `outbox`; take the page's
        controls from `inbox`."""
        self._inbox = inbox
        self._sender = threading.Thread(target=self._send, args=(outbox,), daemon=True,
                                        name="live-session-sender")
        self._sender.start()

    def detach(self, timeout: float = 5.0) -> None:
        """Send what is waiting, then close both pipes."""
        if self._sender is not None:
            self._outbox.put(None)
            self._sender.join(timeout)
            self._sender = None
        if self._inbox is not None:
            self._inbox.close()
            self._inbox = None

    def _send(self, outbox: Connection) -> None:
        while (message := self._outbox.get()) is not None:
            try:
                data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as error:   # whatever cannot be pickled: one line, and go on
                print(f"live: {' '.join(map(str, message[:2]))} cannot be sent to the page: {error}",
                      file=sys.stderr, flush=True)
                continue
            try:
                outbox.send_bytes(data)
            except OSError:   # the server is gone: training goes on without its page
                continue
        outbox.close()

    # --- from the page ------------------------------------------------------------------------
    def _take_controls(self, wait: float = 0.0) -> None:
        """Apply the controls the server has passed on (waiting up to `wait` s for one)."""
        if self._inbox is None:
            time.sleep(wait)
            return
        try:
            while self._inbox is not None and self._inbox.poll(wait):
                action, value = self._inbox.recv()
                self._controls.apply(action, value)
                wait = 0.0
        except (EOFError, OSError):   # the server is gone: nobody can resume a paused run
            self._inbox = None
            self._controls = Controls()
            print("live: the page's server has stopped; training goes on without it",
                  file=sys.stderr, flush=True)

    @property
    def paused(self) -> bool:
        self._take_controls()
        return self._controls.paused

    def take_new_lr(self) -> float | None:
        self._take_controls()
        lr, self._controls.new_lr = self._controls.new_lr, None
        return lr

    def wait_for_permission(self, interrupted: Callable[[], bool]) -> None:
        """Return when the next step may run: at once unless paused; while paused, when the page
        asks for one step, resumes, or training is interrupted (Ctrl-C)."""
        self._take_controls()
        while self._controls.paused and not self._controls.single_steps and not interrupted():
            self._take_controls(wait=0.1)
        if self._controls.single_steps:
            self._controls.single_steps -= 1
