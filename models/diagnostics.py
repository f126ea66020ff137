"""The diagnostics that tell a healthy network from a dying one (makemore's third lecture), taken
from one training step every so often.

Per *layer* — a weight matrix, named by its module path (`blocks.0.attn.qkv`); biases and
normalisation gains are left out, as they would blur the picture:
- `grad_norm`: ‖∂L/∂W‖;
- `update_ratio`: log10(std(ΔW) / std(W)) for the update the optimiser actually made
  (healthy near −3: each step changes a weight by about a thousandth of its spread).

Per *activation* — each tanh, sigmoid, GELU or ReLU in the graph, grouped by module path:
- its saturation: the share of units where the derivative has all but vanished (|tanh| > 0.97;
  sigmoid outside 0.03..0.97; GELU/ReLU inputs below −3 / ≤ 0, whose gradient is ≈ 0), where
  learning stalls;
- and, in every fifth record, a histogram of its outputs and one of the gradient reaching them
  (from a hook on the value).

The pictures — those histograms, the first embedding table projected on its two principal
axes (a 2-D picture of the characters), and for a Transformer the attention weights of each
head of each block on the batch's first sequence (`attention`: module path → (heads, T, T), with
`attention_tokens`, that sequence's token ids, to label the axes) — come in every fifth record:
they change slowly, and on a small model they cost most of a record.

And now and then the step's graph itself, collapsed to one node per module, its edges carrying
that step's gradients (as Graphviz source, rendered when a page asks for it).

All of it is read from the step's own graph and gradients; nothing is recomputed.
"""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tensor, topological_order
from autograd.core.value import Value, data_of
from autograd.gates.activation import Gelu
from autograd.gates.elementwise import Relu, Sigmoid, Tanh
from autograd.gates.indexing import Embedding as Lookup
from autograd.gates.softmax import MaskedSoftmax
from autograd.nn.layers import Embedding
from autograd.nn.module import Module
from models.observer import TrainingObserver

if TYPE_CHECKING:
    from models.train import Trainer

BINS = 30
_TIME_STEP = re.compile(r"^t\d+(\.|$)")


def _saturated(gate: type, out: np.ndarray, inputs: list[np.ndarray]) -> float:
    """The share of units whose derivative has all but vanished."""
    if gate is Tanh:
        count = np.count_nonzero(out > 0.97) + np.count_nonzero(out < -0.97)
    elif gate is Sigmoid:
        count = np.count_nonzero(out < 0.03) + np.count_nonzero(out > 0.97)
    elif gate is Gelu:
        count = np.count_nonzero(inputs[0] < -3)
    else:
        count = np.count_nonzero(inputs[0] <= 0)   # ReLU: dead where the input is not positive
    return count / max(out.size, 1)


ACTIVATIONS = {Tanh: "tanh", Sigmoid: "sigmoid", Gelu: "gelu", Relu: "relu"}


def histogram(data: np.ndarray | list[np.ndarray], bins: int = BINS) -> dict[str, Any]:
    """Counts over `bins` equal bins between the extremes of `data` (an array, or several
    counted together), with the mean and std; exact, in a few passes over the data in its own
    dtype (numpy's general histogram costs several times more on large activations)."""
    parts = [np.asarray(a).reshape(-1) for a in (data if isinstance(data, list) else [data])]
    parts = [a for a in parts if a.size]
    low = min((float(a.min()) for a in parts), default=math.nan)
    high = max((float(a.max()) for a in parts), default=math.nan)
    if not (math.isfinite(low) and math.isfinite(high)):   # NaN or ±inf: count the finite ones
        parts = [a[np.isfinite(a)] for a in parts]
        parts = [a for a in parts if a.size]
        if not parts:
            return {"counts": [], "edges": [], "mean": None, "std": None}
        low, high = min(float(a.min()) for a in parts), max(float(a.max()) for a in parts)
    scale = bins / (high - low) if high > low else 0.0
    counts = np.zeros(bins, dtype=np.int64)
    size, total, squares = 0, 0.0, 0.0
    for a in parts:
        position = a - low
        position *= scale
        index = position.astype(np.intp)
        np.minimum(index, bins - 1, out=index)   # the maximum falls in the last bin, as numpy's
        counts += np.bincount(index, minlength=bins)
        size += a.size
        total += float(a.sum(dtype=np.float64))
        squares += float(np.dot(a, a))
    mean = total / size
    edges = np.round(low + (high - low) / bins * np.arange(bins + 1), 6)
    return {"counts": counts.tolist(), "edges": edges.tolist(), "mean": mean,
            "std": math.sqrt(max(squares / size - mean * mean, 0.0))}


def _std(a: np.ndarray) -> float:
    """The standard deviation, from two sums (numpy's std costs more in its bookkeeping than in
    the arithmetic on arrays this small)."""
    flat = a.reshape(-1)
    mean = float(flat.sum(dtype=np.float64)) / flat.size
    return math.sqrt(max(float(np.dot(flat, flat)) / flat.size - mean * mean, 0.0))


def layer_weights(model: Module) -> dict[str, Tensor]:
    """The weight matrices of `model` by layer name (`fc1.weight` → `fc1`); embedding tables
    included, biases and norm gains left out."""
    return {name.removesuffix(".weight"): p for name, p in model.named_parameters()
            if p.ndim >= 2}


class Probe:
    """Records one step's diagnostics: call `after_forward(loss)` before backward (it finds the
    activations and hooks their gradients), `before_update(model)` after backward, and
    `after_update(model)` after the optimiser step, which returns the record."""

    def __init__(self, pictures: bool = True, graph: bool = False) -> None:
        self.pictures = pictures   # the histograms, embedding projection and attention maps too
        self.graph = graph         # the collapsed graph of the step, with its gradients
        self._graph_source: str | None = None
        self._weights: dict[str, Tensor] = {}
        self._activations: dict[str, dict[str, Any]] = {}
        self._grads: dict[str, list[np.ndarray]] = {}
        self._before: dict[str, np.ndarray] = {}
        self._norms: dict[str, float] = {}
        self._attention: dict[str, list[list[list[float]]]] = {}   # module path → heads
        self._tokens: list[list[int]] = []   # the token ids each embedding lookup read

    def after_forward(self, loss: Tensor) -> None:
        found: dict[str, list[tuple[type, Value, Value]]] = {}   # name → (gate, out, in) each
        for value in topological_order(loss):
            ctx = value.grad_fn
            if ctx is None:
                continue
            gate = getattr(ctx.function, "function", ctx.function)
            if gate in ACTIVATIONS:
                name = f"{_TIME_STEP.sub('', ctx.scope) or 'model'} {ACTIVATIONS[gate]}"
                found.setdefault(name, []).append((gate, value, ctx.inputs[0]))
            elif gate is MaskedSoftmax and self.pictures:
                heads = value.data[0] if value.data.ndim == 4 else value.data[None, 0]
                path = _TIME_STEP.sub("", ctx.scope) or "attention"
                self._attention[path] = np.round(heads, 4).tolist()   # (heads, T, T), sequence 0
            elif gate is Lookup and self.pictures:
                indices = ctx.saved_tensors[0]
                if indices.ndim == 2:   # (batch, T): the tokens, not a position table's 0..T-1
                    self._tokens.append(indices[0].tolist())
        for name, members in found.items():
            gate = members[0][0]
            outs = [v.data for _, v, _ in members]
            ins = [x.data for _, _, x in members]
            saturated = sum(_saturated(gate, o, [i]) * o.size for o, i in zip(outs, ins))
            self._activations[name] = {"saturation": saturated / sum(o.size for o in outs)}
            if not self.pictures:
                continue
            self._activations[name]["histogram"] = histogram(outs)
            self._grads[name] = []
            for _, value, _ in members:
                value.register_hook(self._grads[name].append)

    def backward(self, loss: Tensor) -> None:
        """loss.backward(), through the trace when the graph is wanted (the same gradients,
        every one of them kept for the drawing: one node per module, its edges the gradients
        that crossed between modules in this step)."""
        if not self.graph:
            loss.backward()
            return
        from autograd.tools.draw import draw
        from autograd.tools.trace import trace_backward

        trace = trace_backward(loss)
        labels = {**trace.labels, id(loss): loss.name or "loss"}
        self._graph_source = draw(loss, collapse=True, trace=trace, labels=labels,
                                  show_data=False).source

    def before_update(self, model: Module) -> None:
        self._weights = layer_weights(model)
        for name, weight in self._weights.items():
            grad = weight.grad
            self._norms[name] = float(np.linalg.norm(data_of(grad))) if grad is not None else 0.0
            self._before[name] = np.array(weight.data)   # a copy, before the update

    def after_update(self, model: Module) -> dict[str, Any]:
        layers = {}
        for name, weight in self._weights.items():
            before = self._before.get(name)
            if before is None:
                continue
            change, spread = _std(weight.data - before), _std(before)
            ratio = math.log10(change / spread) if change > 0 and spread > 0 else None
            layers[name] = {"grad_norm": self._norms.get(name, 0.0), "update_ratio": ratio}
        for name, grads in self._grads.items():
            if grads:
                self._activations[name]["grad_histogram"] = histogram(grads)
        record: dict[str, Any] = {"layers": layers, "activations": self._activations}
        embedding = embedding_projection(model) if self.pictures else None
        if embedding is not None:
            record["embedding"] = embedding
            record["embedding_table"] = embedding_table(model)
        if self._attention:
            record["attention"] = self._attention   # in forward order: blocks.0 first
            size = len(next(iter(self._attention.values()))[0])
            tokens = next((t for t in self._tokens if len(t) == size), None)
            if tokens is not None:
                record["attention_tokens"] = tokens
        if self._graph_source is not None:
            record["graph_source"] = self._graph_source   # Graphviz source: rendered on demand
        return record


class Diagnostics(TrainingObserver):
    """A trainer's observer that records a `Probe` of the first step and of every `every`-th
    one after it (its pictures every fifth record), and draws the step's graph in that record
    at most once in `graph_seconds` (0: never). `record` holds the last step's record, or None
    when that step was not recorded."""

    def __init__(self, every: int, graph_seconds: float = 0.0) -> None:
        self.every, self.graph_seconds = every, graph_seconds
        self.record: dict[str, Any] | None = None
        self._probe: Probe | None = None
        self._graph_at = -math.inf

    def before_step(self, trainer: Trainer) -> None:
        self.record, self._probe, step, every = None, None, trainer.step, self.every
        if not every or (step != 0 and (step + 1) % every):
            return
        graph = bool(self.graph_seconds) and time.monotonic() - self._graph_at >= self.graph_seconds
        self._probe = Probe(pictures=step == 0 or (step + 1) % (5 * every) == 0, graph=graph)
        if graph:
            self._graph_at = time.monotonic()

    def after_forward(self, trainer: Trainer, loss: Tensor) -> None:
        if self._probe is not None:
            self._probe.after_forward(loss)

    def run_backward(self, trainer: Trainer, loss: Tensor) -> bool:
        if self._probe is None or not self._probe.graph:
            return False
        self._probe.backward(loss)
        return True

    def after_backward(self, trainer: Trainer, loss: float) -> None:
        if self._probe is not None:
            self._probe.before_update(trainer.model)

    def after_update(self, trainer: Trainer, loss: float) -> None:
        if self._probe is not None:
            self.record = self._probe.after_update(trainer.model)


class GradientNorms(TrainingObserver):
    """A trainer's observer that keeps every parameter's gradient norm ‖∂L/∂p‖ at each step
    (`norms`: name → one per step), for `autograd.tools.flow.plot_grad_flow`."""

    def __init__(self) -> None:
        self.norms: dict[str, list[float]] = {}

    def after_backward(self, trainer: Trainer, loss: float) -> None:
        for name, p in trainer.model.named_parameters():
            norm = float(np.linalg.norm(p.grad)) if p.grad is not None else 0.0
            self.norms.setdefault(name, []).append(norm)


def _first_table(model: Module) -> np.ndarray | None:
    return next((m.weight.data for m in model.modules() if isinstance(m, Embedding)), None)


def embedding_table(model: Module, width: int = 64) -> list[list[float]] | None:
    """The first embedding table itself (its first `width` columns), rounded for the page."""
    table = _first_table(model)
    return None if table is None else np.round(table[:, :width], 3).tolist()


def embedding_projection(model: Module) -> list[list[float]] | None:
    """Each row of the first embedding table on the table's two principal axes (PCA), or None
    when the model has no embedding table of width ≥ 2."""
    table = _first_table(model)
    if table is None or table.shape[1] < 2:
        return None
    centred = table.astype(np.float64) - table.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return np.round(centred @ axes[:2].T, 4).tolist()
