"""Step through a backward pass: one record per gate, in the order the engine runs them.

Each record holds what the gate received and sent: the upstream gradient ∂L/∂z arriving at the
gate's output, the downstream gradient ∂L/∂x it sends to each input, and, where an input
receives several contributions (it branches), the running sum after this one. Its numbers are
the engine's own: the trace is `backward(on_step=…)`, so the gradients at its end are those of
`.backward()`.

How a record is told (`Step.lines`) depends on the gate, so that no line is ever false:

- an elementwise gate (`Function.elementwise`: +, ×, tanh, σ, …) has one local derivative per
  entry, ∂zᵢ/∂xᵢ, and the lecture's line holds: [upstream] × [local] = [downstream] for a Scalar,
  ∂L/∂x = ∂L/∂z ⊙ ∂z/∂x entry by entry for a Tensor (summed over broadcast axes, where x was
  broadcast);
- any other gate (a matrix product, a softmax, a layer norm) has a Jacobian, not a number per
  entry: the record gives its vector-Jacobian rule (the first paragraph of the gate's
  docstring, the one source of its math) and the shapes the rule combines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.core.engine import backward, topological_order
from autograd.core.function import Context, align_gradients
from autograd.core.value import Value


@dataclass
class Step:
    """One gate of the backward pass."""

    index: int
    gate: str                      # the Function's name: Multiply, Sigmoid, MatMul, …
    output: Value                  # the value the gate made; `upstream` is ∂L/∂(output)
    inputs: tuple[Value, ...]
    upstream: Any
    local: tuple[Any, ...] | None  # ∂z/∂x per entry, for elementwise gates only (else None)
    downstream: tuple[Any, ...]    # ∂L/∂(input) from this gate (None: no gradient wanted)
    running: tuple[Any, ...]       # ∂L/∂(input) summed over the gates visited so far
    scope: str = ""
    rule: str = ""                 # the gate's math, from its docstring
    root: str = "L"                # what the pass differentiates, as the lines write it: ∂L/∂x

    def lines(self, labels: dict[int, str] | None = None) -> list[str]:
        """The step told truthfully, one line per input that receives a gradient (see above)."""
        labels = labels or {}
        lines = []
        if self.local is None:
            lines.append(f"rule: {self.rule}")
            shapes = [f"∂{self.root}/∂{label(self.output, labels)} {_shape(self.upstream)}"] + [
                f"{label(v, labels)} {_shape(v.data)}" for v in self.inputs]
            lines.append("shapes: " + ", ".join(shapes))
        for position, (value, down, total) in enumerate(zip(self.inputs, self.downstream,
                                                            self.running)):
            if down is None:
                continue
            name = f"∂{self.root}/∂{label(value, labels)}"
            if self.local is None:
                line = f"{name} {_shape(down)} = {number(down)}"
            else:
                line = f"{name}: " + _elementwise_line(self.upstream, self.local[position], down,
                                                           self.root)
            if total is not None and not _same(total, down):
                line += f"   (sum so far {number(total)})"
            lines.append(line)
        return lines

    def describe(self, labels: dict[int, str] | None = None) -> str:
        """The step as the terminal stepper prints it: a heading, then `lines`."""
        head = f"step {self.index + 1}: {self.gate} → {label(self.output, labels)}"
        return "\n".join([head, *("  " + line for line in self.lines(labels))])


def _elementwise_line(upstream: Any, local: Any, down: Any, root: str = "L") -> str:
    """[upstream] × [local] = [downstream], or its tensor form, true entry by entry."""
    up, loc = np.asarray(upstream, dtype=np.float64), np.asarray(local, dtype=np.float64)
    broadcast = np.shape(down) != up.shape
    if up.size == 1 and not broadcast:
        return f"[{number(upstream)}] × [{number(local)}] = [{number(down)}]"
    product = up * loc
    entry = np.unravel_index(int(np.argmax(np.abs(product))), product.shape)
    where = ", ".join(str(int(i)) for i in entry)
    line = (f"∂{root}/∂z ⊙ ∂z/∂x, {_shape(up)}; at [{where}]: {up[entry]:.4g} × {loc[entry]:.4g} = "
            f"{product[entry]:.4g}")
    if broadcast:
        line += f"; summed over the broadcast axes to {_shape(down)}"
    return line + f"; ‖∂{root}/∂x‖ = {float(np.linalg.norm(np.asarray(down, dtype=np.float64))):.4g}"


@dataclass
class Trace:
    steps: list[Step]
    grads: dict[int, Any] = field(default_factory=dict)   # id(value) → final ∂L/∂(value)
    values: dict[int, Value] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # id(value) → a label no other has

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def grad(self, value: Value) -> Any:
        """∂L/∂value at the end of the pass."""
        return self.grads.get(id(value))

    def grad_after(self, value: Value, steps: int) -> Any:
        """∂L/∂value summed over the contributions of the first `steps` gates (None if none yet);
        the output's own gradient counts from the start."""
        if self.steps and value is self.steps[0].output:
            return self.steps[0].upstream
        for step in reversed(self.steps[:steps]):   # the latest running sum the pass recorded
            for inp, total in zip(step.inputs, step.running):
                if inp is value and total is not None:
                    return total
        return None

    def find(self, name: str) -> Value | None:
        """The value whose label (see `labels`) is `name`."""
        for key, text in self.labels.items():
            if text == name:
                return self.values[key]
        return None


def trace_backward(output: Value, grad: Any = None, retain_graph: bool = False,
                   root: str = "L") -> Trace:
    """Run the backward pass of `output`, recording every gate (also fills `.grad` as usual);
    `root` is how the lines write `output` (∂L/∂x; a neuron's page: ∂(L2.n3)/∂x)."""
    steps: list[Step] = []
    sums: dict[int, Any] = {}
    values: dict[int, Value] = {}
    root_grad = output._default_grad() if grad is None else output._check_root_grad(grad)
    sums[id(output)] = root_grad
    values[id(output)] = output

    def record(node: Value, upstream: Any, downstream: tuple[Any, ...]) -> None:
        ctx = node.grad_fn
        assert ctx is not None
        running: list[Any] = []
        for value, down in zip(ctx.inputs, downstream):
            if down is None:
                running.append(None)
                continue
            key = id(value)
            sums[key] = down if key not in sums else sums[key] + down
            values[key] = value
            running.append(sums[key])
        steps.append(Step(len(steps), ctx.name, node, ctx.inputs, upstream,
                          _local_derivatives(ctx, upstream), downstream, tuple(running),
                          ctx.scope, gate_rule(ctx.function), root))

    backward(output, root_grad, retain_graph=True, on_step=record)
    if not retain_graph:
        for step in steps:
            step.output.grad_fn.free()  # type: ignore[union-attr]
    return Trace(steps, sums, values, unique_labels(topological_order(output, constants=True)))


def gate_rule(function: type) -> str:
    """The first paragraph of a gate's docstring: its math, on one line."""
    text = (function.__doc__ or function.__name__).strip().split("\n\n")[0]
    return " ".join(text.split())


def unique_labels(values: list[Value]) -> dict[int, str]:
    """A label per value of `values` (a graph, in any order) that no other has: its name, else
    the gate that made it (`linear`), else `const` (or `input`, for a leaf that wants a
    gradient); numbered `#1`, `#2`, … in the order the forward pass made or first read them
    (`in_forward_order`) where several share one."""
    ordered = in_forward_order(values)
    leaves = {id(v): "input" if v.requires_grad else "const" for v in ordered
              if not v.name and v.grad_fn is None}
    made = {id(v): v.name or v.grad_fn.name.lower() for v in ordered  # type: ignore[union-attr]
            if v.name or v.grad_fn is not None}
    return {**_numbered(made), **_numbered(leaves)}


def in_forward_order(values: list[Value]) -> list[Value]:
    """`values` as the forward pass met them: each gate's output in the order the gates ran,
    each leaf just before the first gate that read it (by its place among that gate's inputs).
    One order, whatever the values' ids: drawings laid out from it do not change from run to
    run."""
    readers = first_readers(values)

    def met(value: Value) -> tuple[int, ...]:
        if value.grad_fn is not None:
            return value.grad_fn.sequence, 1
        reader = readers.get(id(value))
        if reader is None or reader.grad_fn is None:
            return (-1,)
        return reader.grad_fn.sequence, 0, [id(v) for v in reader.grad_fn.inputs].index(id(value))

    return sorted(values, key=met)


def first_readers(values: list[Value]) -> dict[int, Value]:
    """id(value) → the value made by the first gate (in forward order) that read it."""
    readers: dict[int, Value] = {}
    for value in values:
        for parent in value.grad_fn.inputs if value.grad_fn is not None else ():
            readers.setdefault(id(parent), value)
    return readers


def _numbered(bases: dict[int, str]) -> dict[int, str]:
    """Each base as it is where it is unique, else `base#1`, `base#2`, … in the given order."""
    counts: dict[str, int] = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    seen: dict[str, int] = {}
    labels = {}
    for key, base in bases.items():
        seen[base] = seen.get(base, 0) + 1
        labels[key] = base if counts[base] == 1 else f"{base}#{seen[base]}"
    return labels


def contributions(trace: Trace, value: Value) -> list[Any]:
    """Every gradient the gates sent to `value`, in the order the engine ran them; they sum to
    its gradient (for a weight shared across time steps, one share per step)."""
    return [down for step in trace for inp, down in zip(step.inputs, step.downstream)
            if inp is value and down is not None]


def _local_derivatives(ctx: Context, upstream: Any) -> tuple[Any, ...] | None:
    """For an elementwise gate, ∂zᵢ/∂xᵢ per entry and input: its backward applied to an
    upstream of ones (which is exactly that, for such a gate). None for any other gate."""
    if not ctx.function.elementwise:
        return None
    ones = 1.0 if isinstance(upstream, float) else np.ones_like(upstream)
    return tuple(align_gradients(ctx, ctx.function.backward(ctx, ones)))


def label(value: Value, labels: dict[int, str] | None = None) -> str:
    if labels and id(value) in labels:
        return labels[id(value)]
    if value.name:
        return value.name
    if value.grad_fn is not None:   # unnamed: the gate that made it, and its value if small
        made = value.grad_fn.name.lower()
        return f"{made}({number(value.data)})" if np.size(value.data) == 1 else made
    return number(value.data)


def number(x: Any) -> str:
    """A float to 4 significant digits, or a small array, or an array's norm (marked ‖·‖)."""
    if x is None:
        return "—"
    array = np.asarray(x, dtype=np.float64)
    if array.size == 1:
        return f"{array.reshape(()).item():.4g}"
    if array.size <= 6:
        return "[" + ", ".join(f"{v:.3g}" for v in array.reshape(-1)) + "]"
    return f"‖{float(np.linalg.norm(array)):.4g}‖"


def _shape(x: Any) -> str:
    shape = np.shape(x)
    return "(" + ",".join(str(n) for n in shape) + ")" if shape else "()"


def _same(a: Any, b: Any) -> bool:
    return a is b or (np.shape(a) == np.shape(b) and bool(np.all(np.asarray(a) == np.asarray(b))))
