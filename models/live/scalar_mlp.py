"""The playground's model: micrograd's MLP, 2 inputs → 16 → 16 ReLU units → 1 score, every
weight a `Scalar`; and the same network evaluated by numpy on many points at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from itertools import pairwise

import numpy as np

from autograd import Scalar, scope

WIDTHS = (2, 16, 16, 1)


class ScalarMLP:
    """Layers of neurons, each a list of Scalar weights and a Scalar bias (micrograd's MLP)."""

    def __init__(self, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.layers: list[list[tuple[list[Scalar], Scalar]]] = []
        for depth, (fan_in, width) in enumerate(pairwise(WIDTHS), start=1):
            self.layers.append([
                ([Scalar(float(w), name=f"L{depth}.n{j}.w{i}")
                  for i, w in enumerate(rng.uniform(-1, 1, fan_in))],
                 Scalar(0.0, name=f"L{depth}.n{j}.b"))
                for j in range(width)])

    def parameters(self) -> list[Scalar]:
        return [p for layer in self.layers for weights, bias in layer for p in (*weights, bias)]

    def forward(self, x: Iterable[float | Scalar], upto: tuple[int, int] | None = None) -> Scalar:
        """The score of one point (or, with `upto=(layer, neuron)`, that neuron's output, its
        own gates at the top of the graph and those of the layers before it in the modules `L1`,
        `L2`, so that the explorer opens the graph collapsed by layer)."""
        values: Sequence[float | Scalar] = list(x)
        outputs: list[Scalar] = []
        for depth, layer in enumerate(self.layers, start=1):
            last = depth == len(self.layers)
            outputs = []
            for j, (weights, bias) in enumerate(layer):
                if upto == (depth, j):
                    return self._neuron(weights, bias, values, f"L{depth}.n{j}", last)
                with scope(f"L{depth}") if upto else nullcontext():
                    outputs.append(self._neuron(weights, bias, values, f"L{depth}.n{j}", last))
            values = outputs
        return outputs[0]

    @staticmethod
    def _neuron(weights: list[Scalar], bias: Scalar, values: Sequence[float | Scalar], name: str,
                last: bool) -> Scalar:
        total = bias
        for w, v in zip(weights, values):
            total = total + w * v
        out = total if last else total.relu()
        out.name = name if not last else "score"
        return out

    def values(self) -> list[float]:
        """Every parameter's value, in `parameters()` order."""
        return [p.data for p in self.parameters()]

    def load(self, values: Sequence[float]) -> None:
        """Set every parameter's value, in `parameters()` order."""
        params = self.parameters()
        if len(values) != len(params):
            raise ValueError(f"ScalarMLP.load: {len(values)} values for {len(params)} parameters")
        for p, v in zip(params, values):
            p.data = float(v)

    def weights(self) -> list[list[list[float]]]:
        """Every weight, as [layer][neuron][input] (the page draws each as an edge)."""
        return [[[round(w.data, 4) for w in weights] for weights, _ in layer] for layer in self.layers]

    def scores(self, points: np.ndarray) -> np.ndarray:
        """forward for many points at once, in numpy, from the same weights."""
        values = points
        for depth, layer in enumerate(self.layers, start=1):
            w = np.array([[p.data for p in weights] for weights, _ in layer])
            b = np.array([bias.data for _, bias in layer])
            values = values @ w.T + b
            if depth < len(self.layers):
                values = np.maximum(values, 0)
        return values[:, 0]
