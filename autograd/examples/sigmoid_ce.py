"""One sigmoid neuron with cross-entropy loss: Δw = η(t − o)x.

o = σ(Σ w_j x_j), E = −t ln o − (1 − t) ln(1 − o). The lecture's chain rule,
∂E/∂o · ∂o/∂net · ∂net/∂w_j = −(t − o)/(o(1 − o)) · o(1 − o) · x_j = −(t − o)x_j,
so gradient descent changes each weight by learning rate × (target − observed) × input.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.core.value import Value
from autograd.examples.common import named

X = np.array([1.0, 0.5, -1.5])      # x0 = 1 is the bias input
W = np.array([0.2, -0.4, 0.3])
TARGET, RATE = 1.0, 0.5


def graph() -> Value:
    x = Tensor(X, name="x")
    w = Tensor(W.copy(), requires_grad=True, name="w")
    o = (x * w).sum().sigmoid()
    o.name = "o"
    loss = -(TARGET * o.log() + (1 - TARGET) * (1 - o).log())
    loss.name = "E"
    return loss


def main() -> dict[str, np.ndarray]:
    loss = graph()
    loss.backward()
    w = named(loss)["w"]
    o = 1 / (1 + np.exp(-(X @ W)))
    rule = RATE * (TARGET - o) * X
    print(f"o = {o:.4f}, t = {TARGET:g}; engine Δw = −η·∂E/∂w = {np.round(-RATE * w.grad, 5)}; "
          f"η(t − o)x = {np.round(rule, 5)}")
    return {"delta_engine": -RATE * w.grad, "delta_rule": rule}


if __name__ == "__main__":
    main()
