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

from autograd.function import Context, _state, align_gradients, check_finite, freed_message
from autograd.value import Value

StepCallback = Callable[[Value, Any, tuple[Any, ...]], None]


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
    pending: dict[Value, Any] = {root: grad}   # gradients summed so far, per waiting value
    # ids of pending sums this pass allocated itself: only those may be added to in place
    owned: set[int] = set()
    leaves: list[Value] = []
    waiting: list[tuple[int, Value]] = []      # a heap: the newest node first
    if root.grad_fn is None:
        leaves.append(root)
    else:
        waiting.append((-root.grad_fn.sequence, root))
    anomaly, epoch, profiler = _state["anomaly"], _state["epoch"], _state["profiler"]
    while waiting:
        node = heappop(waiting)[1]
        upstream = pending.pop(node)
        if owned:
            owned.discard(id(upstream))
        if node._hooks:
            upstream = _run_hooks(node, upstream)
        if node._keep_grad:
            node._store_grad(upstream)
        ctx = node.grad_fn
        if ctx._saved is None:
            raise RuntimeError(freed_message(ctx))
        if ctx._epoch != epoch:
            ctx.check_saved_versions(node)
        if profiler is None:
            downstream = ctx.function.backward(ctx, upstream)
        else:
            downstream = profiler.run_backward(ctx, upstream)
        if downstream.__class__ is not tuple or ctx._positions is not None or \
                len(downstream) != len(ctx.inputs):
            downstream = align_gradients(ctx, downstream)   # a single gradient, a list, Nones left out
        if anomaly:
            check_finite(ctx, downstream)
        if on_step is not None:
            downstream = _fit_all(ctx, downstream)
            on_step(node, upstream, downstream)
        for parent, parent_grad in zip(ctx.inputs, downstream):
            if parent_grad is None or not parent._requires_grad:
                continue
            if parent_grad.__class__ is not float or parent._has_arrays:   # floats fit Scalars
                parent_grad = parent._fit_grad(parent_grad, ctx)
            earlier = pending.get(parent)
            if earlier is not None:
                if owned and id(earlier) in owned:
                    earlier += parent_grad          # a sum we made: no new array per branch
                else:
                    total = earlier + parent_grad
                    pending[parent] = total
                    if total.__class__ is np.ndarray:
                        owned.add(id(total))
                continue
            pending[parent] = parent_grad
            if parent.grad_fn is None:
                leaves.append(parent)
            else:
                heappush(waiting, (-parent.grad_fn.sequence, parent))
        if not retain_graph:
            if ctx._locked is None:
                ctx._saved = None   # what free() does when it has no arrays to unlock
            else:
                ctx.free()
    for leaf in leaves:
        grad = pending.pop(leaf)
        owned.discard(id(grad))
        leaf._store_grad(_run_hooks(leaf, grad))


def _fit_all(ctx: Context, downstream: tuple[Any, ...]) -> tuple[Any, ...]:
    """Each gradient fitted to its input (None where none flows), as a step callback is shown."""
    return tuple(None if grad is None or not value._requires_grad else value._fit_grad(grad, ctx)
                 for value, grad in zip(ctx.inputs, downstream))


def _run_hooks(node: Value, grad: Any) -> Any:
    for hook in node._hooks or ():
        replaced = hook(grad)
        if replaced is not None:
            grad = node._fit_grad(replaced, None)
    return grad


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
