"""A gate's card in the explorer: its tensors as heatmaps, and single entries of a downstream
gradient expanded into the scalar chain rule.

For a gate z = f(x₁, x₂, …) the card shows the upstream gradient ∂L/∂z, each input's values and
each downstream gradient ∂L/∂xₖ, each a grid of its entries (a 2-D slice of a tensor of higher
rank). Any entry of a downstream gradient is a sum over the gate's outputs,

    ∂L/∂x[i] = Σⱼ ∂L/∂z[j] · ∂z[j]/∂x[i],

which is the Scalar lecture's "gradients sum at branches" inside one tensor gate.

Each heatmap is coloured on a scale from −M to +M shared by the maps that can be compared: M is
the largest |entry| of the step's gradients (upstream and downstream) for those, and of the
values (inputs, and for a gate whose rule uses its output, like softmax's z) for the others. A
card names each symbol of its gate's rule where the rule's letters are not the maps' labels
(the attention weights z, the scale s of MaskedSoftmax). The terms come
from the gate's own backward: fed a one-hot upstream e_j, it returns row j of its Jacobian,
∂z[j]/∂x for every input at once. So every number on a card is the engine's (the gate's backward
and the trace's gradients), and the terms of an entry sum to it up to float rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, align_gradients
from autograd.tools.trace import Step, label

HEATMAP_LIMIT = 4096     # entries; a larger tensor is named with its shape instead
JACOBIAN_LIMIT = 2048    # gate outputs; above this many one-hot backward calls, no expansion
EXPANDED_ENTRIES = 8     # per downstream gradient: its largest entries get their terms
LISTED_TERMS = 12        # terms written out per entry (the sum is over all of them)


GRADIENTS, VALUES = "gradients", "values"   # the two scales of a card


def heatmap(name: str, array: Any, scale: str = VALUES) -> dict[str, Any]:
    """A tensor for the page: its shape and entries (7 significant digits), or only its shape;
    `scale` names the colour scale it shares with the card's other maps of its kind."""
    data = np.asarray(array, dtype=np.float64)
    shape = list(data.shape) or [1]
    if data.size > HEATMAP_LIMIT:
        return {"name": name, "shape": shape, "values": None, "scale": scale}
    return {"name": name, "shape": shape, "scale": scale,
            "values": [float(f"{v:.7g}") for v in data.reshape(-1)]}


def scale_ends(maps: list[dict[str, Any]]) -> dict[str, float]:
    """Per scale, the largest |entry| of the maps drawn on it (M: the scale runs from −M to M)."""
    ends: dict[str, float] = {}
    for m in maps:
        if m["values"] is not None:
            finite = np.abs(np.asarray(m["values"], dtype=np.float64))
            finite = finite[np.isfinite(finite)]
            top = float(finite.max()) if finite.size else 0.0
            ends[m["scale"]] = max(ends.get(m["scale"], 0.0), top)
    return ends


def _attention_symbols(ctx: Context, out: str, inputs: list[str]) -> list[list[str]]:
    return [["x", f"the scores {inputs[0]}, the gate's input: a row per query, a column per key"],
            ["s", f"the scale the scores are multiplied by, {ctx.scale:.4g} (1/√d for a head of "
                  "size d)"],
            ["z", f"softmax(s·x) along the last axis: the attention weights {out}, the gate's "
                  "output (a row sums to 1)"],
            ["g", f"∂L/∂z, the upstream gradient ∂L/∂{out}"],
            ["j", "runs over the last axis: the keys one query weighs"],
            ["mask", "true where a query may not look (a later position): z is 0 there"]]


def _softmax_symbols(ctx: Context, out: str, inputs: list[str]) -> list[list[str]]:
    return [["x", f"the gate's input {inputs[0]}"],
            ["z", f"softmax(x) along axis {ctx.axis}: {out}, the gate's output"],
            ["g", f"∂L/∂z, the upstream gradient ∂L/∂{out}"],
            ["j", f"runs over axis {ctx.axis}"]]


# gates whose rule is written with their output z: the card shows z and says what each symbol is
SYMBOLS = {"MaskedSoftmax": _attention_symbols, "Softmax": _softmax_symbols}
OUTPUT_NAMES = {"MaskedSoftmax": "the attention weights", "Softmax": "the softmax"}


def card(step: Step, labels: dict[int, str]) -> dict[str, Any]:
    """The heatmaps of a step, and the chain-rule terms of the largest entries of each
    downstream gradient. The step's node must still hold what it saved (retain the graph)."""
    ctx = step.output.grad_fn
    assert ctx is not None
    out = label(step.output, labels)
    maps = [heatmap(f"∂{step.root}/∂{out} (upstream)", step.upstream, GRADIENTS)]
    if step.gate in OUTPUT_NAMES:
        maps.append(heatmap(f"z = {out} ({OUTPUT_NAMES[step.gate]}: the output)",
                            step.output.data))
    downstream = []
    for position, (value, down) in enumerate(zip(step.inputs, step.downstream)):
        name = label(value, labels)
        maps.append(heatmap(f"{name} (input)", value.data))
        if down is not None:
            maps.append(heatmap(f"∂{step.root}/∂{name} (downstream)", down, GRADIENTS))
            downstream.append((position, len(maps) - 1, down))
    rows = _jacobian_rows(ctx, step.upstream)
    expansions: dict[str, dict[str, Any]] = {}
    if rows is not None:
        upstream = np.asarray(step.upstream, dtype=np.float64).reshape(-1)
        for position, index, down in downstream:
            flat = np.asarray(down, dtype=np.float64).reshape(-1)
            jacobian = rows[position]   # (outputs, entries of this input)
            for entry in np.argsort(-np.abs(flat), kind="stable")[:EXPANDED_ENTRIES]:
                expansions[f"{index}:{int(entry)}"] = _terms(upstream, jacobian[:, entry],
                                                             float(flat[entry]))
    symbols = SYMBOLS.get(step.gate)
    return {"maps": maps, "expansions": expansions, "scales": scale_ends(maps),
            "output_shape": list(np.shape(step.upstream)),
            "symbols": symbols(ctx, out, [label(v, labels) for v in step.inputs]) if symbols
            else []}


def _jacobian_rows(ctx: Context, upstream: Any) -> list[np.ndarray] | None:
    """Per input of `ctx`, its Jacobian ∂z/∂x as an (outputs × entries) array, from one backward
    call per output entry (None for an input that gets no gradient, or past the limit)."""
    shape = np.shape(upstream)
    outputs = int(np.prod(shape)) if shape else 1
    if outputs > JACOBIAN_LIMIT:
        return None
    dtype = np.asarray(upstream).dtype
    rows: list[list[np.ndarray]] = [[] for _ in ctx.inputs]
    for j in range(outputs):
        basis: Any
        if shape:
            basis = np.zeros(shape, dtype=dtype)
            basis.flat[j] = 1
        else:
            basis = 1.0 if isinstance(upstream, float) else np.ones((), dtype=dtype)
        grads = align_gradients(ctx, ctx.function.backward(ctx, basis))
        for k, (value, grad) in enumerate(zip(ctx.inputs, grads)):
            fitted = np.zeros(np.shape(value.data)) if grad is None or not value.requires_grad \
                else np.asarray(value._fit_grad(grad, ctx), dtype=np.float64)
            rows[k].append(fitted.reshape(-1))
    return [np.stack(r) for r in rows]


def _terms(upstream: np.ndarray, column: np.ndarray, entry: float) -> dict[str, Any]:
    """The nonzero terms ∂L/∂z[j] · ∂z[j]/∂x[i] of one entry, largest first, and their sum."""
    products = upstream * column
    nonzero = np.flatnonzero(column)
    order = nonzero[np.argsort(-np.abs(products[nonzero]), kind="stable")]
    listed = [[int(j), float(f"{upstream[j]:.7g}"), float(f"{column[j]:.7g}"),
               float(f"{products[j]:.7g}")] for j in order[:LISTED_TERMS]]
    return {"terms": listed, "count": int(nonzero.size), "sum": float(products.sum()),
            "entry": entry}
