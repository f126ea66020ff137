"""`backproplab live --toy moons|xor|spiral`: micrograd's demo, live — a Scalar MLP learns a 2-D
data set and its decision boundary is redrawn as it trains.

The network is micrograd's: 2 inputs → 16 → 16 ReLU units → 1 score, every weight a `Scalar`,
trained by full-batch SGD on the max-margin loss mean(relu(1 − y·score)) + 1e-4·Σw², with the
learning rate falling from 1.0 to 0.1 over the first 100 steps. Each step's loss is the engine's
own backward pass on Scalars. The boundary's grid is the same network evaluated by numpy on the
same weights (the Scalar graph of thousands of grid points would take seconds per frame);
`test_live_playground` checks the two agree.

A click on a neuron opens its graph in the explorer: that neuron's output for the first data
point, with the weights of the current step, as a graph of Scalars to step through.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import nullcontext
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Scalar, scope
from models.live.server import LiveServer
from models.live.session import LiveSession

TOYS = ("moons", "xor", "spiral")
WIDTHS = (2, 16, 16, 1)
PAGE = Path(__file__).with_name("playground.html")
GRID = 48


def toy_data(kind: str, count: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(points (count, 2), labels ±1) of a toy set: two interleaved half moons, the four XOR
    quadrants, or two spiral arms; with a little noise, scaled to about [−1.5, 1.5]²."""
    rng = np.random.default_rng(seed)
    half = count // 2
    if kind == "moons":
        angle = rng.uniform(0, math.pi, count)
        upper = np.stack([np.cos(angle[:half]), np.sin(angle[:half])], 1)
        lower = np.stack([1 - np.cos(angle[half:]), 0.5 - np.sin(angle[half:])], 1)
        points = np.concatenate([upper, lower]) - [0.5, 0.25]
        labels = np.r_[np.ones(half), -np.ones(count - half)]
        points += rng.normal(0, 0.1, points.shape)
    elif kind == "xor":
        points = rng.uniform(-1.5, 1.5, (count, 2))
        points += np.sign(points) * 0.1   # a margin around the axes
        labels = np.sign(points[:, 0] * points[:, 1])
    elif kind == "spiral":
        radius = np.linspace(0.2, 1.5, half)
        turn = np.linspace(0, 1.75 * math.pi, half)
        arm = np.stack([radius * np.cos(turn), radius * np.sin(turn)], 1)
        points = np.concatenate([arm, -arm]) + rng.normal(0, 0.05, (2 * half, 2))
        labels = np.r_[np.ones(half), -np.ones(half)]
    else:
        raise ValueError(f"live: unknown toy {kind!r}: choose {', '.join(TOYS)}")
    return points, labels


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

    def forward(self, x: Any, upto: tuple[int, int] | None = None) -> Scalar:
        """The score of one point (or, with `upto=(layer, neuron)`, that neuron's output, its
        own gates at the top of the graph and those of the layers before it in the modules `L1`,
        `L2`, so that the explorer opens the graph collapsed by layer)."""
        values: list[Any] = list(x)
        for depth, layer in enumerate(self.layers, start=1):
            last = depth == len(self.layers)
            outputs = []
            for j, (weights, bias) in enumerate(layer):
                if upto == (depth, j):
                    return self._neuron(weights, bias, values, f"L{depth}.n{j}", last)
                with scope(f"L{depth}") if upto else nullcontext():
                    outputs.append(self._neuron(weights, bias, values, f"L{depth}.n{j}", last))
            values = outputs
        return values[0]

    @staticmethod
    def _neuron(weights: list[Scalar], bias: Scalar, values: list[Any], name: str,
                last: bool) -> Scalar:
        total = bias
        for w, v in zip(weights, values):
            total = total + w * v
        out = total if last else total.relu()
        out.name = name if not last else "score"
        return out

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


class Playground:
    def __init__(self, toy: str, seed: int = 0) -> None:
        self.points, self.labels = toy_data(toy, seed=seed)
        self.toy = toy
        self.model = ScalarMLP(seed + 1)
        self.step = 0
        self.lock = threading.Lock()   # the page's neuron graphs read the weights

    def train_step(self) -> tuple[float, float]:
        """One SGD step on every point; returns (loss, accuracy)."""
        with self.lock:
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
        with self.lock:
            return np.round(self.model.scores(grid).reshape(GRID, GRID), 3).tolist()

    def neuron_page(self, layer: int, neuron: int) -> str:
        from autograd.tools.explorer import step_page

        if not (1 <= layer <= len(self.model.layers) and 0 <= neuron < len(self.model.layers[layer - 1])):
            raise ValueError(f"no neuron {neuron} in layer {layer}")
        with self.lock:
            x = [Scalar(float(v), name=f"x{i}", requires_grad=False)
                 for i, v in enumerate(self.points[0])]
            out = self.model.forward(x, upto=(layer, neuron))
            title = (f"neuron {neuron} of layer {layer} at step {self.step}, for the point "
                     f"({self.points[0][0]:.2f}, {self.points[0][1]:.2f})")
            page = step_page(out, title, root=f"({out.name})")   # ∂(L2.n3)/∂x: not a loss
            for p in self.model.parameters():
                p.grad = 0.0   # the page's backward pass leaves the training's gradients alone
        return page


class NeuronPages:
    """The `/neuron` route: a neuron's explorer page, computed once per training step (a page
    costs seconds of the Scalar engine's time, and holds training while it is made)."""

    def __init__(self, playground: Playground) -> None:
        self.playground = playground
        self._pages: dict[tuple[int, int, int], bytes] = {}
        self._lock = threading.Lock()

    def __call__(self, session: LiveSession, fields: dict[str, str]) -> tuple[str, bytes]:
        layer, neuron = _whole_number(fields, "layer"), _whole_number(fields, "neuron")
        with self._lock:   # one page at a time; a second ask for it waits and takes it
            key = (self.playground.step, layer, neuron)
            if key not in self._pages:
                self._pages = {k: v for k, v in self._pages.items() if k[0] == key[0]}
                self._pages[key] = self.playground.neuron_page(layer, neuron).encode()
            return "text/html; charset=utf-8", self._pages[key]


def _whole_number(fields: dict[str, str], name: str) -> int:
    text = fields.get(name, "")
    if not (text.isdigit() and len(text) <= 3):
        raise ValueError(f"{name} must be a small whole number, got {text[:20]!r}")
    return int(text)


def run_playground(toy: str, host: str = "127.0.0.1", port: int = 0, steps: int = 0,
                   interval: float = 0.0, read_only: bool = False) -> int:
    """Serve the playground and train until `steps` (0: until Ctrl-C)."""
    playground = Playground(toy)
    session = LiveSession()
    server = LiveServer(session, PAGE.read_text(encoding="utf-8"), host, port,
                        post_routes={"/neuron": NeuronPages(playground)},
                        read_only=read_only).start()
    session.publish("hello", toy=toy, widths=list(WIDTHS), grid=GRID,
                    points=np.round(playground.points, 4).tolist(),
                    labels=playground.labels.astype(int).tolist())
    print("\n".join(server.banner(f"playground ({toy})")), flush=True)
    try:
        while not steps or playground.step < steps:
            session.wait_for_permission(lambda: False)
            loss, accuracy = playground.train_step()
            session.publish("step", step=playground.step, loss=loss, accuracy=accuracy,
                            **({"boundary": playground.boundary(), "weights": playground.model.weights()}
                               if playground.step % 2 == 0 or playground.step < 5 else {}))
            if interval:
                time.sleep(interval)
    except KeyboardInterrupt:
        print(f"\nstopped at step {playground.step}")
        return 130
    finally:
        session.finish()
        server.close()
    return 0
