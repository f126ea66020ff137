"""The backward pass: visit gates in reverse topological order, applying the chain rule.

For each gate, downstream = backward(upstream): the gate multiplies the upstream gradient dL/dz
by its local derivative dz/dx. A value read by several gates receives the sum of their
contributions ("gradients sum at outward branches"); it is processed only once all of them have
arrived, which a reverse topological order guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.function import Context, run_gate_backward
from autograd.value import Value

StepCallback = Callable[[Value, Any, tuple[Any, ...]], None]


def topological_order(root: Value) -> list[Value]:
    """Every value that `root` depends on and that requires grad, inputs before their users.

    An explicit stack instead of recursion, so graphs 100,000 gates deep are fine.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        ctx = node.grad_fn
        if ctx is not None:
            for parent in reversed(ctx.inputs):
                if parent._requires_grad and parent not in visited:
                    stack.append((parent, False))
    return order


def backward(root: Value, grad: Any = None, retain_graph: bool = False,
             on_step: StepCallback | None = None) -> None:
    """Accumulate d(root)/d(leaf) into every leaf's `.grad` (and every value that keeps one).

    `on_step(value, upstream, downstream)` is called after each gate, in the order the engine
    runs them; step-through tools use it to show the engine's own numbers.
    """
    if not root._requires_grad:
        raise RuntimeError(
            "backward: this value does not require grad, so no graph leads to it "
            "(was it computed under no_grad(), or from inputs with requires_grad=False?)"
        )
    grad = root._default_grad() if grad is None else root._check_root_grad(grad)
    pending: dict[Value, Any] = {root: grad}
    for node in reversed(topological_order(root)):
        upstream = pending.pop(node, None)
        if upstream is None:
            continue
        if node._hooks:
            for hook in node._hooks:
                replaced = hook(upstream)
                if replaced is not None:
                    upstream = node._fit_grad(replaced, None)
        ctx: Context | None = node.grad_fn
        if ctx is None or node._keep_grad:
            node._store_grad(upstream)
        if ctx is None:
            continue
        downstream = run_gate_backward(ctx, upstream)
        for parent, parent_grad in zip(ctx.inputs, downstream):
            if parent_grad is None or not parent._requires_grad:
                continue
            parent_grad = parent._fit_grad(parent_grad, ctx)
            earlier = pending.get(parent)
            pending[parent] = parent_grad if earlier is None else earlier + parent_grad
        if not retain_graph:
            ctx.free()
        if on_step is not None:
            on_step(node, upstream, downstream)
