"""Gradients of gradients: `autograd.grad`, and the recorded backward pass of
`backward(create_graph=True)`.

Both walk the graph as the engine's plain pass does (`engine._backward_pass`), in one general
loop: `grad` collects the gradients of the values it was asked for instead of storing `.grad`,
and a recorded pass runs each gate's `recorded_backward` — the gate's rule computed with
recorded operations — so every gradient is itself a value with a graph, which can be
differentiated again. The plain pass stays as it is, and pays nothing for either.


The helpers it shares with the plain pass (starting a pass, delivering gradients, running
hooks) live in `engine`, beside the loop they were written for.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop
from typing import Any

from autograd.core.engine import (
    Pending,
    Roots,
    StepCallback,
    _as_list,
    _check_node,
    _deliver,
    _finish,
    _run,
    _run_hooks,
    _start,
    _wait_for_gradient,
    _waiting_for,
)
from autograd.core.function import Context, align_gradients, check_finite
from autograd.core.grad_mode import modes
from autograd.core.value import Value


def grad(outputs: Roots, inputs: Roots, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Any, ...]:
    """d(outputs)/d(inputs) as a tuple, one gradient per input, without touching any `.grad`.

    PyTorch's `torch.autograd.grad`: `grad_outputs` are the upstream gradients of the outputs
    (None for a single-element output's 1); the gradients come back as values of the inputs'
    kind (Tensor or Scalar), with a graph when `create_graph=True`. An input the outputs do not
    depend on raises, unless `allow_unused=True` (its gradient is then None).
    """
    wanted = _as_list(inputs)
    for position, value in enumerate(wanted):
        if not isinstance(value, Value) or not value._requires_grad:
            raise RuntimeError(f"grad: input {position} is not a value that requires grad")
    pending = _start(outputs, grad_outputs, create_graph, "grad")
    found: dict[Value, Any] = dict.fromkeys(wanted)
    _run(pending, create_graph if retain_graph is None else retain_graph, None, create_graph,
         found)
    results = []
    for position, value in enumerate(wanted):
        gradient = found[value]
        if gradient is None and not allow_unused:
            raise RuntimeError(f"grad: input {position} was not used to compute the outputs "
                               "(pass allow_unused=True to get None for it)")
        results.append(gradient if gradient is None or create_graph
                       else value._result_type._wrap(gradient, None))
    return tuple(results)


RunGate = Callable[[Context, Value, Any], tuple[Any, ...]]


def general_pass(pending: Pending, found: dict[Value, Any] | None, run_gate: RunGate) -> None:
    """The same walk as `_backward_pass`, for `autograd.grad` (the gradients go to `found`, not
    to `.grad`) and for create_graph=True (`run_gate` runs each gate's recorded backward, so
    every gradient is a value with a graph, and the graph is kept). `run_gate` returns
    gradients already fitted to their inputs."""
    waiting, leaves = _waiting_for(pending)
    while waiting:
        _, ctx, value = heappop(waiting)
        upstream = _run_hooks(value, pending.pop(value)[0])
        if value._keep_grad or found is not None:
            _deliver(value, upstream, found)
        for parent, parent_grad in zip(ctx.inputs, run_gate(ctx, value, upstream)):
            if parent_grad is None:
                continue
            if parent._earlier is not None:
                parent = parent.node_seen_by(ctx)
            if parent in pending:
                pending[parent] = (pending[parent][0] + parent_grad, False)
            else:
                pending[parent] = (parent_grad, False)
                _wait_for_gradient(parent, waiting, leaves)
    _finish(leaves, pending, found)


def run_recorded_gate(ctx: Context, value: Value, upstream: Value,
                       on_step: StepCallback | None) -> tuple[Any, ...]:
    """As `_run_gate`, for a pass that is recorded (create_graph=True): the gate's
    `recorded_backward` computes the same gradients with recorded operations, each fitted to
    its input by recorded operations too. The graph is kept: the new one reads it."""
    _check_node(ctx, value)
    if any(v._earlier is not None for v in ctx.inputs):
        _point_at_values_read(ctx)
    downstream = align_gradients(ctx, ctx.function.recorded_backward(ctx, upstream, value))
    downstream = tuple(None if g is None or not v._requires_grad else v._fit_recorded(g, ctx)
                       for v, g in zip(ctx.inputs, downstream))
    if modes.anomaly:
        check_finite(ctx, tuple(None if g is None else g.data for g in downstream))
    if on_step is not None:
        on_step(value, upstream, downstream)
    return downstream


def _point_at_values_read(ctx: Context) -> None:
    """Make `ctx.inputs` (and the arguments a composition replays) the values the gate read: an
    input changed since by `x[i] = v` or `x += y` stands for a new node now, and what the gate
    read is kept apart (`Tensor.node_seen_by`). The plain pass reads saved arrays instead."""
    seen = {id(v): v.node_seen_by(ctx) for v in ctx.inputs if v._earlier is not None}
    ctx.inputs = tuple([seen.get(id(v), v) for v in ctx.inputs])
    if ctx._call is not None:
        args, options = ctx._call
        ctx._call = (tuple([seen.get(id(a), a) if isinstance(a, Value) else a for a in args]),
                     options)
