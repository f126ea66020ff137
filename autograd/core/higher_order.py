"""Gradients of gradients: the recorded backward pass of `backward(create_graph=True)` and
`grad(..., create_graph=True)`.

It walks the graph as the plain pass does (`engine.plain_pass`, from the same pieces in
`walk`), but runs each gate's `recorded_backward` — the gate's rule computed with recorded
operations — so every gradient is itself a value with a graph, which can be differentiated
again. The graph is kept: the new one reads it. The plain pass pays nothing for this one.
"""

from __future__ import annotations

from heapq import heappop
from typing import Any

from autograd.core.function import align_gradients, check_finite
from autograd.core.grad_mode import enable_grad, modes
from autograd.core.node import Node, Variable
from autograd.core.value import Value
from autograd.core.walk import (
    Found,
    Pending,
    StepCallback,
    check_node,
    deliver,
    finish_pass,
    run_hooks,
    wait_for_gradient,
    waiting_for,
)


def recorded_pass(pending: Pending, found: Found, on_step: StepCallback | None) -> None:
    """Run every gate's recorded backward from the roots in `pending` (whose gradients are
    values) back to the leaves: each gradient is a value with a graph of its own. They end in
    `.grad`, or, given `found`, in it, as with the plain pass."""
    with enable_grad():
        waiting, leaves = waiting_for(pending)
        while waiting:
            _, ctx, value = heappop(waiting)
            upstream = run_hooks(value, pending.pop(value)[0])
            if value._keep_grad or found is not None:
                deliver(value, upstream, found)
            for parent, parent_grad in zip(ctx.inputs,
                                           run_recorded_gate(ctx, value, upstream, on_step)):
                if parent_grad is None:
                    continue
                if parent._before_changes is not None:
                    parent = parent.value_read_by(ctx)
                if parent in pending:   # a recorded sum: never in place
                    pending[parent] = (pending[parent][0] + parent_grad, False)
                else:
                    pending[parent] = (parent_grad, False)
                    wait_for_gradient(parent, waiting, leaves)
        finish_pass(leaves, pending, found)


def run_recorded_gate(ctx: Node, value: Variable, upstream: Variable,
                      on_step: StepCallback | None) -> tuple[Any, ...]:
    """As `engine.run_gate`, for a pass that is recorded: the gate's `recorded_backward`
    computes the same gradients with recorded operations, each fitted to its input by recorded
    operations too (`Value._fit_recorded`). The graph is kept: the new one reads it."""
    check_node(ctx, value)
    if any(v._before_changes is not None for v in ctx.inputs):
        _point_at_values_read(ctx)
    downstream = align_gradients(ctx, ctx.function.recorded_backward(ctx, upstream, value))
    downstream = tuple(None if g is None or not v._requires_grad else v._fit_recorded(g, ctx)
                       for v, g in zip(ctx.inputs, downstream))
    if modes.anomaly:
        check_finite(ctx, tuple(None if g is None else g.data for g in downstream))
    if on_step is not None:
        on_step(value, upstream, downstream)
    return downstream


def _point_at_values_read(ctx: Node) -> None:
    """Make `ctx.inputs` (and the arguments a composition replays) the values the gate read: an
    input changed since by `x[i] = v` or `x += y` stands for a new node now, and what the gate
    read is kept apart (`Tensor.value_read_by`). The plain pass reads saved arrays instead."""
    seen = {id(v): v.value_read_by(ctx) for v in ctx.inputs if v._before_changes is not None}
    ctx.inputs = tuple([seen.get(id(v), v) for v in ctx.inputs])
    if ctx._call is not None:
        args, options = ctx._call
        ctx._call = (tuple([seen.get(id(a), a) if isinstance(a, Value) else a for a in args]),
                     options)
