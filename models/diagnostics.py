"""The diagnostics that tell a healthy network from a dying one (makemore's third lecture), taken
from one training step every so often.

Per *layer* — a weight matrix, named by its module path (`blocks.0.attn.qkv`); biases and
normalisation gains are left out, as they would blur the picture:
- `grad_norm`: ‖∂L/∂W‖;
- `update_ratio`: log10(std(ΔW) / std(W)) for the update the optimiser actually made
  (healthy near −3: each step changes a weight by about a thousandth of its spread).

Per *activation* — each tanh, sigmoid, GELU or ReLU in the graph, grouped by module path:
- a histogram of its outputs and its saturation: the share of units where the derivative has
  all but vanished (|tanh| > 0.97; sigmoid outside 0.03..0.97; GELU/ReLU inputs below −3 / ≤ 0,
  whose gradient is ≈ 0), where learning stalls;
- a histogram of the gradient reaching its outputs (from a hook on the value).

Weights: the first embedding table projected on its two principal axes (a 2-D picture of the
characters), and for a Transformer the attention weights of each head on the batch's first
sequence.

All of it is read from the step's own graph and gradients; nothing is recomputed.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from autograd import Tensor, topological_order
from autograd.gates.activation import Gelu
from autograd.gates.elementwise import Relu, Sigmoid, Tanh
from autograd.gates.softmax import MaskedSoftmax
from autograd.nn.layers import Embedding
from autograd.nn.module import Module

BINS = 30
_TIME_STEP = re.compile(r"^t\d+(\.|$)")


def _saturated(gate: type, out: np.ndarray, inputs: list[np.ndarray]) -> float:
    if gate is Tanh:
        return float(np.mean(np.abs(out) > 0.97))
    if gate is Sigmoid:
        return float(np.mean((out < 0.03) | (out > 0.97)))
    if gate is Gelu:
        return float(np.mean(inputs[0] < -3))
    return float(np.mean(inputs[0] <= 0))   # ReLU: dead where the input is not positive


ACTIVATIONS = {Tanh: "tanh", Sigmoid: "sigmoid", Gelu: "gelu", Relu: "relu"}


def histogram(data: np.ndarray, bins: int = BINS) -> dict[str, Any]:
    """Counts over `bins` equal bins between the data's extremes, with the mean and std."""
    flat = np.asarray(data, dtype=np.float64).reshape(-1)
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return {"counts": [], "edges": [], "mean": None, "std": None}
    counts, edges = np.histogram(flat, bins=bins)
    return {"counts": counts.tolist(), "edges": [round(float(e), 6) for e in edges],
            "mean": float(flat.mean()), "std": float(flat.std())}


def layer_weights(model: Module) -> dict[str, Tensor]:
    """The weight matrices of `model` by layer name (`fc1.weight` → `fc1`); embedding tables
    included, biases and norm gains left out."""
    return {name.removesuffix(".weight"): p for name, p in model.named_parameters()
            if p.ndim >= 2}


class Probe:
    """Records one step's diagnostics: call `after_forward(loss)` before backward (it finds the
    activations and hooks their gradients), `before_update(model)` after backward, and
    `after_update(model)` after the optimiser step, which returns the record."""

    def __init__(self) -> None:
        self._activations: dict[str, dict[str, Any]] = {}
        self._grads: dict[str, list[np.ndarray]] = {}
        self._before: dict[str, np.ndarray] = {}
        self._norms: dict[str, float] = {}
        self._attention: list[list[list[float]]] | None = None

    def after_forward(self, loss: Tensor) -> None:
        found: dict[str, list[tuple[Any, Any]]] = {}   # name → (gate, value) per activation
        for value in topological_order(loss):
            ctx = value.grad_fn
            if ctx is None:
                continue
            gate = getattr(ctx.function, "function", ctx.function)
            if gate in ACTIVATIONS:
                name = f"{_TIME_STEP.sub('', ctx.scope) or 'model'} {ACTIVATIONS[gate]}"
                found.setdefault(name, []).append((gate, value))
            elif gate is MaskedSoftmax and self._attention is None:
                heads = value.data[0] if value.data.ndim == 4 else value.data[None, 0]
                self._attention = np.round(heads, 4).tolist()   # (heads, T, T) of sequence 0
        for name, members in found.items():
            gate = members[0][0]
            outs = [v.data for _, v in members]
            ins = [v.grad_fn.inputs[0].data for _, v in members]
            together = np.concatenate([o.reshape(-1) for o in outs])
            shares = [_saturated(gate, o, [i]) for o, i in zip(outs, ins)]
            sizes = [o.size for o in outs]
            self._activations[name] = {
                "histogram": histogram(together),
                "saturation": float(np.average(shares, weights=sizes)),
            }
            self._grads[name] = []
            for _, value in members:
                value.register_hook(self._grads[name].append)

    def before_update(self, model: Module) -> None:
        for name, weight in layer_weights(model).items():
            grad = weight.grad
            self._norms[name] = float(np.linalg.norm(grad)) if grad is not None else 0.0
            self._before[name] = np.array(weight.data, dtype=np.float64)

    def after_update(self, model: Module) -> dict[str, Any]:
        layers = {}
        for name, weight in layer_weights(model).items():
            before = self._before.get(name)
            if before is None:
                continue
            change = float(np.std(weight.data - before))
            spread = float(np.std(before))
            ratio = math.log10(change / spread) if change > 0 and spread > 0 else None
            layers[name] = {"grad_norm": self._norms.get(name, 0.0), "update_ratio": ratio}
        for name, grads in self._grads.items():
            if grads:
                self._activations[name]["grad_histogram"] = histogram(
                    np.concatenate([np.asarray(g).reshape(-1) for g in grads]))
        record: dict[str, Any] = {"layers": layers, "activations": self._activations}
        embedding = embedding_projection(model)
        if embedding is not None:
            record["embedding"] = embedding
        if self._attention is not None:
            record["attention"] = self._attention
        return record


def embedding_projection(model: Module) -> list[list[float]] | None:
    """Each row of the first embedding table on the table's two principal axes (PCA), or None
    when the model has no embedding table of width ≥ 2."""
    table = next((m.weight.data for m in model.modules() if isinstance(m, Embedding)), None)
    if table is None or table.shape[1] < 2:
        return None
    centred = table.astype(np.float64) - table.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return np.round(centred @ axes[:2].T, 4).tolist()
