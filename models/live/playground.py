"""The playground's training (`backproplab live --toy moons|xor|spiral`: micrograd's demo,
live): a Scalar MLP (models/live/scalar_mlp.py) learns a 2-D toy set (models/live/toys.py) and
its decision boundary is redrawn as it trains; models/live/playground_server.py serves it.

The network is micrograd's: 2 inputs → 16 → 16 ReLU units → 1 score, every weight a `Scalar`,
trained by full-batch SGD on the max-margin loss mean(relu(1 − y·score)) + 1e-4·Σw², with the
learning rate falling from 1.0 to 0.1 over the first 100 steps. Each step's loss is the engine's
own backward pass on Scalars. The boundary's grid is the same network evaluated by numpy on the
same weights (the Scalar graph of thousands of grid points would take seconds per frame);
`test_live_playground` checks the two agree.

A click on a neuron opens its graph in the explorer: that neuron's output for the first data
point, with the weights of the current step, as a graph of Scalars to step through. The server
process makes it (`neuron_page`) from a `snapshot` the training shares at each step, so the
training never waits for a page.
"""

from __future__ import annotations

import numpy as np

from autograd import Scalar
from models.live.scalar_mlp import ScalarMLP
from models.live.toys import toy_data

GRID = 48


class Playground:
    """A toy set and the network learning it, one full-batch SGD step at a time."""

    def __init__(self, toy: str, seed: int = 0) -> None:
        self.points, self.labels = toy_data(toy, seed=seed)
        self.toy = toy
        self.model = ScalarMLP(seed + 1)
        self.step = 0

    def train_step(self) -> tuple[float, float]:
        """One SGD step on every point; returns (loss, accuracy)."""
        params = self.model.parameters()
        scores = [self.model.forward(p) for p in self.points]
        margins = [(1 + -float(y) * s).relu() for s, y in zip(scores, self.labels)]
        data_loss = sum(margins[1:], margins[0]) * (1.0 / len(margins))
        penalty = sum((p * p for p in params), Scalar(0.0, requires_grad=False)) * 1e-4
        loss = data_loss + penalty
        for p in params:
            p.grad = 0.0
        loss.backward()
        rate = 1.0 - 0.9 * min(self.step, 100) / 100
        for p in params:
            p.data -= rate * p.grad
        self.step += 1
        correct = sum((s.data > 0) == (y > 0) for s, y in zip(scores, self.labels))
        return float(loss.data), correct / len(self.labels)

    def boundary(self) -> list[list[float]]:
        axis = np.linspace(-2, 2, GRID)
        grid = np.stack(np.meshgrid(axis, axis[::-1]), -1).reshape(-1, 2)
        return np.round(self.model.scores(grid).reshape(GRID, GRID), 3).tolist()

    def snapshot(self) -> tuple[int, list[float], list[float]]:
        """What a neuron's page is made from: the step, the first point, every weight."""
        return self.step, [float(v) for v in self.points[0]], self.model.values()

    def neuron_page(self, layer: int, neuron: int) -> str:
        """The explorer's page of one neuron, now (see `neuron_page`)."""
        return neuron_page(*self.snapshot(), layer, neuron)


def neuron_page(step: int, point: list[float], weights: list[float], layer: int,
                neuron: int) -> str:
    """The explorer's page of neuron `neuron` of layer `layer` (from 1) of the network with these
    `weights` (`ScalarMLP.values()`), for `point`: its output as a graph of Scalars."""
    from autograd.tools.explorer import step_page

    model = ScalarMLP()
    model.load(weights)
    if not (1 <= layer <= len(model.layers) and 0 <= neuron < len(model.layers[layer - 1])):
        raise ValueError(f"no neuron {neuron} in layer {layer}")
    x = [Scalar(v, name=f"x{i}", requires_grad=False) for i, v in enumerate(point)]
    out = model.forward(x, upto=(layer, neuron))
    title = (f"neuron {neuron} of layer {layer} at step {step}, for the point "
             f"({point[0]:.2f}, {point[1]:.2f})")
    return step_page(out, title, root=f"({out.name})")   # ∂(L2.n3)/∂x: not a loss
