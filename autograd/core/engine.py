"""The backward pass: visit gates from the output back, applying the chain rule.

(`higher_order` builds on it: `autograd.grad`, and the recorded pass of create_graph=True.)

For each gate, downstream = backward(upstream): the gate multiplies the upstream gradient dL/dz
by its local derivative dz/dx. A value read by several gates receives the sum of their
contributions ("gradients sum at outward branches"), so it may run only once every gate that
read it has run. Nodes are numbered in the order they were made and every reader of a value was
made after it, so always running the newest waiting node guarantees that — no recursion and no
separate topological sort, and graphs 100,000 gates deep are fine.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from autograd.core.function import (
    Context,
    align_gradients,
    check_finite,
    freed_message,
)
from autograd.core.grad_mode import enable_grad, modes
from autograd.core.value import Value
from autograd.core.versions import check_saved_versions, clock
from autograd.plumbing import allocator

StepCallback = Callable[[Value, Any, tuple[Any, ...]], None]
# per value waiting for its gradient: the sum so far, and whether this pass made that array
# (only then may a later branch add to it in place)
Pending = dict[Value, tuple[Any, bool]]
# a heap of the nodes left to run, keyed by their sequence number negated: the newest first
Waiting = list[tuple[int, Context, Value]]
Roots = Value | Sequence[Value]


def backward(root: Roots, grad: Any = None, retain_graph: bool | None = None,
             on_step: StepCallback | None = None, create_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into every leaf's `.grad` (and every value that keeps one).

    `root` may be a list of values, with `grad` a list of their gradients (None where implied):
    the pass then adds up d(Σ roots)/d(leaf), as one pass. With `create_graph=True` the backward
    pass is itself recorded — each gate runs its `recorded_backward` — so the gradients are
    values with a graph of their own and can be differentiated again; `.grad` then holds such a
    value, as in PyTorch. `retain_graph` defaults to `create_graph`.

    `on_step(value, upstream, downstream)` is called after each gate, in the order the engine
    runs them, with the gradient it passed to each input (None where it passed none), before
    the gate's saved values are freed; step-through tools use it to show the engine's own numbers.
    """
    pending = _start(root, grad, create_graph, "backward")
    _run(pending, create_graph if retain_graph is None else retain_graph, on_step, create_graph)


def _as_list(values: Roots) -> list[Value]:
    return [values] if isinstance(values, Value) else list(values)


def _start(roots: Roots, grads: Any, record: bool, where: str) -> Pending:
    """The pending gradients a pass starts from: each root's given gradient (or its implied 1),
    summed where a root is listed twice; with `record`, as values (recorded gradients)."""
    root_list = _as_list(roots)
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


def _run(pending: Pending, retain_graph: bool, on_step: StepCallback | None, record: bool,
         found: dict[Value, Any] | None = None) -> None:
    if allocator.first_time:   # training reuses large arrays: see autograd/plumbing/allocator
        allocator.tune_once()
    # The pass makes no reference cycles, so the cycle collector would only slow it down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if not record and found is None:
            _backward_pass(pending, retain_graph, on_step)
            return
        from autograd.core.higher_order import general_pass, run_recorded_gate

        if record:
            with enable_grad():
                general_pass(pending, found, lambda ctx, value, upstream:
                             run_recorded_gate(ctx, value, upstream, on_step))
        else:
            general_pass(pending, found, lambda ctx, value, upstream:
                         _fit_all(ctx, _run_gate(ctx, value, upstream, retain_graph, on_step)))
    finally:
        if collecting:
            gc.enable()


def _backward_pass(pending: Pending, retain_graph: bool, on_step: StepCallback | None) -> None:
    """Run every gate from the roots in `pending` back to the leaves, whose gradients (and
    those of values that keep theirs) end in `.grad`."""
    waiting, leaves = _waiting_for(pending)
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
                if parent._earlier is not None:   # changed by x[i] = v since this gate read it
                    parent = parent.node_seen_by(ctx)
            if parent in pending:
                _add_at_branch(pending, parent, parent_grad)
            else:
                pending[parent] = (parent_grad, False)
                _wait_for_gradient(parent, waiting, leaves)
    _finish(leaves, pending, None)


def _waiting_for(pending: Pending) -> tuple[Waiting, list[Value]]:
    """The heap of nodes to run, and the leaves to fill, as the roots in `pending` start them."""
    waiting: Waiting = []
    leaves: list[Value] = []
    for root in pending:
        _wait_for_gradient(root, waiting, leaves)
    return waiting, leaves


def _deliver(value: Value, grad: Any, found: dict[Value, Any] | None) -> None:
    """`value`'s complete gradient goes to its `.grad`, or to `found` if it is listed there."""
    if found is None:
        value._store_grad(grad)
    elif value in found:
        found[value] = grad


def _finish(leaves: list[Value], pending: Pending, found: dict[Value, Any] | None) -> None:
    """Every gate has run: the leaves' gradients are complete."""
    for leaf in leaves:
        _deliver(leaf, _run_hooks(leaf, pending.pop(leaf)[0]), found)


def _check_node(ctx: Context, value: Value) -> None:
    """What a pass owes its user before a gate runs: its graph is not freed, and no array it
    saved was changed in place since."""
    if ctx._saved is None:
        raise RuntimeError(freed_message(ctx))
    if ctx._clock_at_forward != clock.now:
        check_saved_versions(ctx, value)


def _run_gate(ctx: Context, value: Value, upstream: Any, retain_graph: bool,
              on_step: StepCallback | None) -> tuple[Any, ...]:
    """The gate's backward(upstream) as one gradient per input of `ctx`, checked (see
    `_check_node`; under `detect_anomaly`, no gradient is NaN or Inf). The profiler and
    step-through tools see it; then, unless the graph is retained, what the gate saved is freed."""
    _check_node(ctx, value)
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
            if isinstance(replaced, Value):   # a recorded pass's hook returned a value
                grad = value._fit_recorded(replaced, None)
            else:
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
