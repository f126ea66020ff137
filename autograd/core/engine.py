"""The backward pass: visit gates from the output back, applying the chain rule.

For each gate, downstream = backward(upstream): the gate multiplies the upstream gradient dL/dz
by its local derivative dz/dx. A value read by several gates receives the sum of their
contributions ("gradients sum at outward branches"), so it may run only once every gate that
read it has run. Nodes are numbered in the order they were made and every reader of a value was
made after it, so always running the newest waiting node guarantees that — no recursion and no
separate topological sort, and graphs 100,000 gates deep are fine.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np

from autograd.core.function import Context, align_gradients, check_finite, freed_message
from autograd.core.grad_mode import modes
from autograd.core.value import Value
from autograd.core.versions import check_saved_versions, clock

StepCallback = Callable[[Value, Any, tuple[Any, ...]], None]
# per value waiting for its gradient: the sum so far, and whether this pass made that array
# (only then may a later branch add to it in place)
Pending = dict[Value, tuple[Any, bool]]
# a heap of the nodes left to run, keyed by their sequence number negated: the newest first
Waiting = list[tuple[int, Context, Value]]


def backward(root: Value, grad: Any = None, retain_graph: bool = False,
             on_step: StepCallback | None = None) -> None:
    """Accumulate d(root)/d(leaf) into every leaf's `.grad` (and every value that keeps one).

    `on_step(value, upstream, downstream)` is called after each gate, in the order the engine
    runs them, with the gradient it passed to each input (None where it passed none), before
    the gate's saved values are freed; step-through tools use it to show the engine's own numbers.
    """
    if not root._requires_grad:
        raise RuntimeError(
            "backward: this value does not require grad, so no graph leads to it "
            "(was it computed under no_grad(), or from inputs with requires_grad=False?)"
        )
    grad = root._default_grad() if grad is None else root._check_root_grad(grad)
    # The pass makes no reference cycles, so the cycle collector would only slow it down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _backward_pass(root, grad, retain_graph, on_step)
    finally:
        if collecting:
            gc.enable()


def _backward_pass(root: Value, grad: Any, retain_graph: bool, on_step: StepCallback | None) -> None:
    pending: Pending = {root: (grad, False)}
    waiting: Waiting = []
    leaves: list[Value] = []
    _wait_for_gradient(root, waiting, leaves)
    while waiting:
        _, ctx, value = heappop(waiting)
        upstream = pending.pop(value)[0]   # complete: every gate that read `value` has run
        if value._hooks:
            upstream = _run_hooks(value, upstream)
        if value._keep_grad:
            value._store_grad(upstream)
        downstream = _run_gate(ctx, value, upstream, retain_graph, on_step)
        for parent, parent_grad in zip(ctx.inputs, downstream):
            if parent_grad is None or not parent._requires_grad:
                continue
            if parent._has_arrays or parent_grad.__class__ is not float:   # floats fit Scalars
                parent_grad = parent._fit_grad(parent_grad, ctx)
            if parent in pending:
                _add_at_branch(pending, parent, parent_grad)
            else:
                pending[parent] = (parent_grad, False)
                _wait_for_gradient(parent, waiting, leaves)
    for leaf in leaves:
        leaf._store_grad(_run_hooks(leaf, pending.pop(leaf)[0]))


def _run_gate(ctx: Context, value: Value, upstream: Any, retain_graph: bool,
              on_step: StepCallback | None) -> tuple[Any, ...]:
    """The gate's backward(upstream) as one gradient per input of `ctx`, with the checks a pass
    owes its user: the graph is not freed, no array it saved was changed in place, and (under
    `detect_anomaly`) no gradient is NaN or Inf. The profiler and step-through tools see it;
    then, unless the graph is retained, what the gate saved is freed."""
    if ctx._saved is None:
        raise RuntimeError(freed_message(ctx))
    if ctx._clock_at_forward != clock.now:
        check_saved_versions(ctx, value)
    if modes.profiler is None:
        downstream = ctx.function.backward(ctx, upstream)
    else:
        downstream = modes.profiler.run_backward(ctx, upstream)
    if downstream.__class__ is not tuple or len(downstream) != len(ctx.inputs) or \
            ctx._input_positions is not None:
        downstream = align_gradients(ctx, downstream)   # one gradient, a list, or Nones left out
    if modes.anomaly:
        check_finite(ctx, downstream)
    if on_step is not None:
        downstream = _fit_all(ctx, downstream)
        on_step(value, upstream, downstream)
    if not retain_graph:
        ctx.free()
    return downstream


def _add_at_branch(pending: Pending, value: Value, grad: Any) -> None:
    """Another gate's gradient reaches `value`: add it to the sum so far."""
    earlier, ours = pending[value]
    if ours:
        earlier += grad   # an array this pass made: added to in place, no new array per branch
    else:
        total = earlier + grad
        pending[value] = (total, total.__class__ is np.ndarray)


def _wait_for_gradient(value: Value, waiting: Waiting, leaves: list[Value]) -> None:
    if value.grad_fn is None:
        leaves.append(value)   # a leaf stores its gradient when the pass ends
    else:
        heappush(waiting, (-value.grad_fn.sequence, value.grad_fn, value))


def _run_hooks(value: Value, grad: Any) -> Any:
    """`value`'s complete gradient, as its hooks see it: each may return a replacement."""
    for hook in value._hooks or ():
        replaced = hook(grad)
        if replaced is not None:
            grad = value._fit_grad(replaced, None)
    return grad


def _fit_all(ctx: Context, downstream: tuple[Any, ...]) -> tuple[Any, ...]:
    """Each gradient fitted to its input (None where none flows), as a step callback is shown."""
    return tuple(None if grad is None or not value._requires_grad else value._fit_grad(grad, ctx)
                 for value, grad in zip(ctx.inputs, downstream))


def topological_order(root: Value, constants: bool = False) -> list[Value]:
    """Every value `root` depends on that requires grad (with `constants`, every value at all),
    each after all of its inputs.

    The order renderers and debuggers walk; the backward pass visits the same nodes in reverse.
    """
    seen: set[Value] = {root}
    stack = [root]
    while stack:
        ctx = stack.pop().grad_fn
        if ctx is not None:
            for parent in ctx.inputs:
                if (constants or parent._requires_grad) and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
    return sorted(seen, key=_creation_order)


def _creation_order(value: Value) -> int:
    return -1 if value.grad_fn is None else value.grad_fn.sequence
