"""The pieces every backward pass is made of: the plain pass (`engine.plain_pass`) and the
recorded one (`higher_order.recorded_pass`) are each one loop over them.

A pass starts from the roots' gradients (`start_pass`), keeps the nodes still to run in a heap
ordered newest first (`wait_for_gradient`), runs each node once all of its readers have run,
lets a value's hooks see its complete gradient (`run_hooks`), hands complete gradients over
(`deliver`), and at the end fills the leaves (`finish_pass`). `check_node` is what any pass
owes its user before a gate runs.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from heapq import heappush
from typing import Any

from autograd.core.function import freed_message
from autograd.core.node import Node, Variable
from autograd.core.value import Value
from autograd.core.versions import check_saved_versions, clock
from autograd.plumbing import allocator

StepCallback = Callable[[Any, Any, tuple[Any, ...]], None]
# per value waiting for its gradient: the sum so far, and whether this pass made that array
# (only then may a later branch add to it in place)
Pending = dict[Variable, tuple[Any, bool]]
# a heap of the nodes left to run, keyed by their sequence number negated: the newest first
Waiting = list[tuple[int, Node, Variable]]
Roots = Value | Sequence[Value]
# where `grad()` collects the complete gradients of the values it was asked for (None: a
# pass that fills `.grad` instead)
Found = dict[Variable, Any] | None


def as_list(values: Roots) -> list[Value]:
    """One value or several, as a list."""
    return [values] if isinstance(values, Value) else list(values)


def start_pass(roots: Roots, grads: Any, record: bool, where: str) -> Pending:
    """The pending gradients a pass starts from: each root's given gradient (or its implied 1),
    summed where a root is listed twice; with `record`, as values (recorded gradients).
    `where` names the call in errors."""
    root_list = as_list(roots)
    if isinstance(roots, Value) or grads is None:
        grad_list = [grads] if isinstance(roots, Value) else [None] * len(root_list)
    else:
        grad_list = list(grads)
    if len(grad_list) != len(root_list):
        raise ValueError(f"{where}: {len(root_list)} outputs but {len(grad_list)} gradients")
    pending: Pending = {}
    for root, given in zip(root_list, grad_list):
        if not root._requires_grad:
            raise RuntimeError(
                f"{where}: this value does not require grad, so no graph leads to it "
                "(was it computed under no_grad(), or from inputs with requires_grad=False?)"
            )
        start = root._default_grad() if given is None else root._check_root_grad(given)
        if record:
            start = given if isinstance(given, Value) and given._requires_grad \
                else root._result_type._wrap(start, None)
        pending[root] = (pending[root][0] + start, False) if root in pending else (start, False)
    return pending


class CollectorOff:
    """`with CollectorOff():` around a pass. A pass makes no reference cycles, so the cycle
    collector would only slow it down; the first pass also tunes the allocator (training
    reuses large arrays: see autograd/plumbing/allocator)."""

    __slots__ = ("collecting",)

    def __enter__(self) -> None:
        if allocator.first_time:
            allocator.tune_once()
        self.collecting = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.collecting:
            gc.enable()


def waiting_for(pending: Pending) -> tuple[Waiting, list[Variable]]:
    """The heap of nodes to run, and the leaves to fill, as the roots in `pending` start them."""
    waiting: Waiting = []
    leaves: list[Variable] = []
    for root in pending:
        wait_for_gradient(root, waiting, leaves)
    return waiting, leaves


def wait_for_gradient(value: Variable, waiting: Waiting, leaves: list[Variable]) -> None:
    """A gradient first reached `value`: its node joins the heap (a leaf, the leaves' list)."""
    if value.grad_fn is None:
        leaves.append(value)   # a leaf stores its gradient when the pass ends
    else:
        heappush(waiting, (-value.grad_fn.sequence, value.grad_fn, value))


def run_hooks(value: Variable, grad: Any) -> Any:
    """`value`'s complete gradient, as its hooks see it: each may return a replacement (a raw
    one, or a value in a recorded pass), fitted to `value` as the pass's own gradients are."""
    for hook in value._hooks or ():
        replaced = hook(grad)
        if replaced is not None:
            if isinstance(replaced, Value):
                grad = value._fit_recorded(replaced, None)
            else:
                grad = value._fit_grad(replaced, None)
    return grad


def deliver(value: Variable, grad: Any, found: Found) -> None:
    """`value`'s complete gradient goes to its `.grad`, or to `found` if it is listed there."""
    if found is None:
        value._store_grad(grad)
    elif value in found:
        found[value] = grad


def finish_pass(leaves: list[Variable], pending: Pending, found: Found) -> None:
    """Every gate has run: the leaves' gradients are complete; hooks see them, then they are
    delivered."""
    for leaf in leaves:
        deliver(leaf, run_hooks(leaf, pending.pop(leaf)[0]), found)


def check_node(ctx: Node, value: Variable) -> None:
    """What a pass owes its user before a gate runs: its graph is not freed, and no array it
    saved was changed in place since."""
    if ctx._saved is None:
        raise RuntimeError(freed_message(ctx))
    if ctx._clock_at_forward != clock.now:
        check_saved_versions(ctx, value)
