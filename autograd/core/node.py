"""The engine's contract with the graph: what a backward pass reads of a value (`Variable`)
and of the node that made it (`Node`), declared once.

`Value` (core/value.py) and `Context` (core/function.py) fulfil them; the passes in `engine`,
`walk` and `higher_order` are annotated with these two types only, so they can be read, and
type-checked, without opening either class (minitorch's `Variable` does the same).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Protocol


class Variable(Hashable, Protocol):
    """A value as a pass sees it. Pending gradients are keyed by the value itself."""

    data: Any                     # its raw value: a numpy array or a float
    name: str | None              # its label, for messages
    _requires_grad: bool          # only values that require grad receive a gradient
    _keep_grad: bool              # a non-leaf that keeps `.grad` (retain_grad; every Scalar)
    _has_arrays: bool             # whose gradients are arrays, fitted by shape and dtype
    _hooks: list[Callable[[Any], Any]] | None   # register_hook's hooks, or None
    # the values it stood for before `x[i] = v` changed it in place: see `value_read_by`
    _before_changes: list[tuple[int, Any]] | None

    @property
    def grad_fn(self) -> Node | None:
        """The node that made it; None for a leaf (an input or a parameter)."""

    @property
    def _result_type(self) -> Any:
        """Its class, whose `_wrap(raw, None)` makes a constant of its kind."""

    def value_read_by(self, ctx: Node) -> Variable:
        """The value `ctx`'s gate read as this one (an earlier one, if it changed since)."""

    def _fit_grad(self, grad: Any, ctx: Node | None) -> Any:
        """A raw gradient summed to its shape and cast to its dtype (`ctx`: who sent it)."""

    def _fit_recorded(self, grad: Any, ctx: Node | None) -> Any:
        """The same for a recorded gradient (create_graph=True), by recorded operations."""

    def _store_grad(self, grad: Any) -> None:
        """Its complete gradient, added to `.grad`."""

    def _default_grad(self) -> Any:
        """The gradient a pass starts from when none is given: 1 (single elements only)."""

    def _check_root_grad(self, grad: Any) -> Any:
        """A given starting gradient, checked against its shape and made raw."""


class Node(Protocol):
    """A graph node as a pass sees it: the gate that ran, the values it read, what it saved."""

    function: Any                 # the gate: backward(ctx, grad), recorded_backward(ctx, grad, out)
    inputs: tuple[Variable, ...]  # the values among forward's arguments, in order
    sequence: int                 # made after every node of its inputs: the heap's key
    _saved: tuple[Any, ...] | None   # what forward saved; None once freed
    _clock_at_forward: int        # `versions.clock` when made: later in-place changes show
    _input_positions: tuple[int, ...] | None   # where the inputs stand among forward's arguments
    _argument_count: int          # how many arguments forward had (when some are not values)
    _call: tuple[tuple[Any, ...], dict[str, Any]] | None   # forward's call, when not plain

    @property
    def name(self) -> str:
        """The gate's name, for messages."""

    def free(self) -> None:
        """Drop what forward saved (a pass that does not retain the graph)."""
