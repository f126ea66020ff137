"""A gate's card in the explorer: its tensors as heatmaps, and single entries of a downstream
gradient expanded into the scalar chain rule.

For a gate z = f(x₁, x₂, …) the card shows the upstream gradient ∂L/∂z, each input's values and
each downstream gradient ∂L/∂xₖ, each a grid of its entries (a 2-D slice of a tensor of higher
rank). Any entry of a downstream gradient is a sum over the gate's outputs,

    ∂L/∂x[i] = Σⱼ ∂L/∂z[j] · ∂z[j]/∂x[i],

which is the Scalar lecture's "gradients sum at branches" inside one tensor gate. The terms come
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


def heatmap(name: str, array: Any) -> dict[str, Any]:
    """A tensor for the page: its shape and entries (7 significant digits), or only its shape."""
    data = np.asarray(array, dtype=np.float64)
    shape = list(data.shape) or [1]
    if data.size > HEATMAP_LIMIT:
        return {"name": name, "shape": shape, "values": None}
    return {"name": name, "shape": shape,
            "values": [float(f"{v:.7g}") for v in data.reshape(-1)]}


def card(step: Step, labels: dict[int, str]) -> dict[str, Any]:
    """The heatmaps of a step, and the chain-rule terms of the largest entries of each
    downstream gradient. The step's node must still hold what it saved (retain the graph)."""
    ctx = step.output.grad_fn
    assert ctx is not None
    out = label(step.output, labels)
    maps = [heatmap(f"∂L/∂{out} (upstream)", step.upstream)]
    downstream = []
    for position, (value, down) in enumerate(zip(step.inputs, step.downstream)):
        name = label(value, labels)
        maps.append(heatmap(f"{name} (input)", value.data))
        if down is not None:
            maps.append(heatmap(f"∂L/∂{name} (downstream)", down))
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
    return {"maps": maps, "expansions": expansions}


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
