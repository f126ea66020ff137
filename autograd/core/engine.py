"""The backward pass: visit gates from the output back, applying the chain rule.

For each gate, downstream = backward(upstream): the gate multiplies the upstream gradient dL/dz
by its local derivative dz/dx. A value read by several gates receives the sum of their
contributions ("gradients sum at outward branches"), so it may run only once every gate that
read it has run. Nodes are numbered in the order they were made and every reader of a value was
made after it, so always running the newest waiting node guarantees that — no recursion and no
separate topological sort, and graphs 100,000 gates deep are fine.

`backward` and `grad` are the two ways in; each runs one of two loops: `plain_pass` here (raw
arrays and floats; fills `.grad`, or collects what `grad` asked for), or, with
`create_graph=True`, `higher_order.recorded_pass`. The pieces both loops are made of are in
`walk`.
"""

from __future__ import annotations

from heapq import heappop
from typing import Any

import numpy as np

from autograd.core.function import align_gradients, check_finite
from autograd.core.grad_mode import modes
from autograd.core.higher_order import recorded_pass
from autograd.core.node import Node, Variable
from autograd.core.value import Value
from autograd.core.walk import (
    CollectorOff,
    Found,
    Pending,
    Roots,
    StepCallback,
    as_list,
    check_node,
    finish_pass,
    run_hooks,
    start_pass,
    wait_for_gradient,
    waiting_for,
)


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
    pending = start_pass(root, grad, create_graph, "backward")
    with CollectorOff():
        if create_graph:
            recorded_pass(pending, None, on_step)
        else:
            plain_pass(pending, bool(retain_graph), on_step, None)


def grad(outputs: Roots, inputs: Roots, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as a tuple, one gradient per input, without touching any `.grad`.

    PyTorch's `torch.autograd.grad`: `grad_outputs` are the upstream gradients of the outputs
    (None for a single-element output's 1); the gradients come back as values of the inputs'
    kind (Tensor or Scalar), with a graph when `create_graph=True`. An input the outputs do not
    depend on raises, unless `allow_unused=True` (its gradient is then None).
    """
    wanted = as_list(inputs)
    for position, value in enumerate(wanted):
        if not isinstance(value, Value) or not value._requires_grad:
            raise RuntimeError(f"grad: input {position} is not a value that requires grad")
    pending = start_pass(outputs, grad_outputs, create_graph, "grad")
    found: dict[Variable, Any] = dict.fromkeys(wanted)
    with CollectorOff():
        if create_graph:
            recorded_pass(pending, found, None)
        else:
            plain_pass(pending, bool(retain_graph), None, found)
    results = []
    for position, value in enumerate(wanted):
        gradient = found[value]
        if gradient is None and not allow_unused:
            raise RuntimeError(f"grad: input {position} was not used to compute the outputs "
                               "(pass allow_unused=True to get None for it)")
        results.append(gradient if gradient is None or create_graph
                       else value._result_type._wrap(gradient, None))
    return tuple(results)


def plain_pass(pending: Pending, retain_graph: bool, on_step: StepCallback | None,
               found: Found) -> None:
    """Run every gate from the roots in `pending` back to the leaves. The leaves' gradients
    (and those of values that keep theirs) end in `.grad`; or, given `found`, the gradients of
    the values listed there end in it, and no `.grad` changes."""
    waiting, leaves = waiting_for(pending)
    while waiting:
        _, ctx, value = heappop(waiting)
        upstream = pending.pop(value)[0]   # complete: every gate that read `value` has run
        if value._hooks:
            upstream = run_hooks(value, upstream)
        if value._keep_grad and found is None:   # no call per node: every Scalar keeps its grad
            value._store_grad(upstream)
        elif found is not None and value in found:
            found[value] = upstream
        downstream = run_gate(ctx, value, upstream, retain_graph, on_step)
        for parent, parent_grad in zip(ctx.inputs, downstream):
            if parent_grad is None or not parent._requires_grad:
                continue
            if parent._has_arrays or parent_grad.__class__ is not float:   # floats fit Scalars
                parent_grad = parent._fit_grad(parent_grad, ctx)
                if parent._before_changes is not None:   # changed by x[i] = v since this gate read it
                    parent = parent.value_read_by(ctx)
            if parent in pending:
                _add_at_branch(pending, parent, parent_grad)
            else:
                pending[parent] = (parent_grad, False)
                wait_for_gradient(parent, waiting, leaves)
    finish_pass(leaves, pending, found)


def run_gate(ctx: Node, value: Variable, upstream: Any, retain_graph: bool,
             on_step: StepCallback | None) -> tuple[Any, ...]:
    """The gate's backward(upstream) as one gradient per input of `ctx`, checked (see
    `walk.check_node`; under `detect_anomaly`, no gradient is NaN or Inf). The profiler and
    step-through tools see it; then, unless the graph is retained, what the gate saved is freed."""
    check_node(ctx, value)
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


def _add_at_branch(pending: Pending, value: Variable, grad: Any) -> None:
    """Another gate's gradient reaches `value`: add it to the sum so far."""
    earlier, ours = pending[value]
    if ours:
        earlier += grad   # an array this pass made: added to in place, no new array per branch
    else:
        total = earlier + grad
        pending[value] = (total, total.__class__ is np.ndarray)


def _fit_all(ctx: Node, downstream: tuple[Any, ...]) -> tuple[Any, ...]:
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
