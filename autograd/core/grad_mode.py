"""Switches that change how operations run, each a context manager and a decorator.

- `no_grad()` / `enable_grad()` / `set_grad_enabled(flag)`: whether operations record a graph;
- `detect_anomaly()`: whether the backward pass checks every gate's gradients for NaN and Inf;
- `scope(name)`: the module path (`blocks.0.attn`) new graph nodes are tagged with;
- `time_step(t)`: the step of an unrolled recurrence they belong to (`t3`, `t3.recurrent`).

All of them set one field of `modes` for the length of a block and restore it afterwards; the
engine and the gates read `modes` to know what is switched on (an active `autograd.profile`
registers itself there too).
"""

from __future__ import annotations

from contextlib import ContextDecorator
from typing import Any


class Modes:
    """What is switched on now: read by `Function.apply` and by the backward pass."""

    __slots__ = ("anomaly", "grad_enabled", "profiler", "scope", "time_step")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.scope = ""
        self.profiler: Any = None   # the active autograd.profile, which times every gate
        # (the enclosing module's path, that path with the time step added), inside time_step
        self.time_step: tuple[str, str] | None = None


modes = Modes()


class _Switch(ContextDecorator):
    """Sets `modes.<field>` to `value()` inside a block, then puts back what was there."""

    field: str
    _previous: list[Any]

    def value(self) -> Any:
        raise NotImplementedError

    def __enter__(self) -> _Switch:
        # a stack, so that one decorator instance may be entered again by a recursive call
        if "_previous" not in self.__dict__:
            self._previous = []
        self._previous.append(getattr(modes, self.field))
        setattr(modes, self.field, self.value())
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(modes, self.field, self._previous.pop())


class no_grad(_Switch):
    """Within this block (or decorated function) operations record no graph."""

    field = "grad_enabled"

    def value(self) -> bool:
        return False


class enable_grad(_Switch):
    """Turns graph recording back on inside a `no_grad` block."""

    field = "grad_enabled"

    def value(self) -> bool:
        return True


class set_grad_enabled(_Switch):
    """`with set_grad_enabled(flag):` records a graph inside the block only if `flag` (PyTorch's
    name: `set_grad_enabled(is_training)` serves a loop that trains and evaluates)."""

    field = "grad_enabled"

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)

    def value(self) -> bool:
        return self.mode


def is_grad_enabled() -> bool:
    return modes.grad_enabled


class detect_anomaly(_Switch):
    """Within this block, the first backward gate that yields NaN or Inf raises, naming the gate."""

    field = "anomaly"

    def value(self) -> bool:
        return True


class scope(_Switch):
    """Tags every node created inside with a path such as `blocks.0.attn` (see `Context.scope`),
    `name` appended to the enclosing scope's path. (Modules set their full path themselves.)"""

    field = "scope"

    def __init__(self, name: str) -> None:
        self.name = name

    def value(self) -> str:
        return f"{modes.scope}.{self.name}" if modes.scope else self.name


class time_step(ContextDecorator):
    """Tags every node made inside with the step `t` of an unrolled recurrence: its module path
    gets `t<t>` after the enclosing module's, so the nodes of one step are `t3` and the modules
    called in it `t3.recurrent`. Drawings and the explorer then lay an unrolled RNN out step by
    step, and can collapse each step into one node."""

    def __init__(self, t: int) -> None:
        self.t = t
        self._previous: list[tuple[str, tuple[str, str] | None]] = []

    def __enter__(self) -> time_step:
        self._previous.append((modes.scope, modes.time_step))
        path = f"{modes.scope}.t{self.t}" if modes.scope else f"t{self.t}"
        modes.time_step, modes.scope = (modes.scope, path), path
        return self

    def __exit__(self, *exc: object) -> None:
        modes.scope, modes.time_step = self._previous.pop()


def module_scope(path: str) -> str:
    """The path a module's nodes are tagged with: its own, with the time step added inside
    `time_step`."""
    if modes.time_step is None:
        return path
    enclosing, stepped = modes.time_step
    if not enclosing:
        return f"{stepped}.{path}"
    return stepped + path[len(enclosing):] if path.startswith(enclosing + ".") else path

