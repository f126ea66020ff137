"""Step through a backward pass: one record per gate, in the order the engine runs them.

Each record holds the lecture's three numbers: the upstream gradient dL/dz arriving at the
gate's output, the local derivative dz/dx of each input, and the downstream gradient dL/dx the
gate sends to each input — and, where an input receives several contributions (it branches),
the running sum after this one. The upstream and downstream values are the engine's own: the
trace is `backward(on_step=…)`, so the gradients at its end are those of `.backward()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.core.engine import backward
from autograd.core.value import Value


@dataclass
class Step:
    """One gate of the backward pass."""

    index: int
    gate: str                      # the Function's name: Multiply, Sigmoid, MatMul, …
    output: Value                  # the value the gate made; `upstream` is dL/d(output)
    inputs: tuple[Value, ...]
    upstream: Any
    local: tuple[Any, ...]         # d(output)/d(input) applied to ones: the gate's local rule
    downstream: tuple[Any, ...]    # dL/d(input) from this gate (None: no gradient wanted)
    running: tuple[Any, ...]       # dL/d(input) summed over the gates visited so far
    scope: str = ""

    def describe(self, names: dict[int, str] | None = None) -> str:
        """The lecture's line per input: [upstream] × [local] = [downstream] (→ running sum)."""
        names = names or {}
        lines = [f"step {self.index + 1}: {self.gate} → {label(self.output, names)}"]
        for value, local, down, total in zip(self.inputs, self.local, self.downstream, self.running):
            if down is None:
                continue
            line = (f"  ∂L/∂{label(value, names)}: [{number(self.upstream)}] × [{number(local)}]"
                    f" = [{number(down)}]")
            if total is not None and not _same(total, down):
                line += f"   (sum so far {number(total)})"
            lines.append(line)
        return "\n".join(lines)


@dataclass
class Trace:
    steps: list[Step]
    grads: dict[int, Any] = field(default_factory=dict)   # id(value) → final dL/d(value)
    values: dict[int, Value] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def grad(self, value: Value) -> Any:
        return self.grads.get(id(value))


def trace_backward(output: Value, grad: Any = None, retain_graph: bool = False) -> Trace:
    """Run the backward pass of `output`, recording every gate (also fills `.grad` as usual)."""
    steps: list[Step] = []
    sums: dict[int, Any] = {}
    values: dict[int, Value] = {}
    root_grad = output._default_grad() if grad is None else output._check_root_grad(grad)
    sums[id(output)] = root_grad
    values[id(output)] = output

    def record(node: Value, upstream: Any, downstream: tuple[Any, ...]) -> None:
        ctx = node.grad_fn
        assert ctx is not None
        local = _local_derivatives(ctx, upstream)
        running: list[Any] = []
        for value, down in zip(ctx.inputs, downstream):
            if down is None:
                running.append(None)
                continue
            key = id(value)
            sums[key] = down if key not in sums else sums[key] + down
            values[key] = value
            running.append(sums[key])
        steps.append(Step(len(steps), ctx.name, node, ctx.inputs, upstream, local, downstream,
                          tuple(running), ctx.scope))

    backward(output, root_grad, retain_graph=True, on_step=record)
    if not retain_graph:
        for step in steps:
            step.output.grad_fn.free()  # type: ignore[union-attr]
    return Trace(steps, sums, values)


def contributions(trace: Trace, value: Value) -> list[Any]:
    """Every gradient the gates sent to `value`, in the order the engine ran them; they sum to
    its gradient (for a weight shared across time steps, one share per step)."""
    return [down for step in trace for inp, down in zip(step.inputs, step.downstream)
            if inp is value and down is not None]


def _local_derivatives(ctx: Any, upstream: Any) -> tuple[Any, ...]:
    """The gate's backward applied to an upstream of ones: its local derivative per input."""
    from autograd.core.function import align_gradients

    ones = 1.0 if isinstance(upstream, float) else np.ones_like(upstream)
    try:
        local = align_gradients(ctx, ctx.function.backward(ctx, ones))
    except Exception:   # a gate whose rule needs the real upstream shape: show none
        return (None,) * len(ctx.inputs)
    return tuple(local)


def label(value: Value, names: dict[int, str] | None = None) -> str:
    if names and id(value) in names:
        return names[id(value)]
    if value.name:
        return value.name
    if value.grad_fn is not None:   # unnamed: the gate that made it, and its value if small
        made = value.grad_fn.name.lower()
        return f"{made}({number(value.data)})" if np.size(value.data) == 1 else made
    return number(value.data)


def number(x: Any) -> str:
    """A float to 4 significant digits, or a small array, or an array's norm."""
    if x is None:
        return "—"
    array = np.asarray(x, dtype=np.float64)
    if array.size == 1:
        return f"{array.reshape(()).item():.4g}"
    if array.size <= 6:
        return "[" + ", ".join(f"{v:.3g}" for v in array.reshape(-1)) + "]"
    return f"‖{float(np.linalg.norm(array)):.4g}‖ {array.shape}"


def _same(a: Any, b: Any) -> bool:
    return a is b or (np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b))))
