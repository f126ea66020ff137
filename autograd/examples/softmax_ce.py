"""Softmax outputs with cross-entropy loss: the Jacobian ∂o_i/∂net_j = o_i(δ_ij − o_j), and
again Δw_ij = η(t_i − o_i)x_j — learning rate × (target − observed) × input.
"""

from __future__ import annotations

import numpy as np

from autograd import F, Tensor
from autograd.core.value import Value
from autograd.examples.common import named

X = np.array([1.0, 0.5, -1.0])
W = np.array([[0.1, -0.2, 0.4], [0.3, 0.2, -0.1]])   # two output neurons
TARGET = np.array([1.0, 0.0])
RATE = 0.5


def graph() -> Value:
    w = Tensor(W.copy(), requires_grad=True, name="W")
    o = F.softmax(w @ Tensor(X, name="x"))
    o.name = "o"
    loss = -(Tensor(TARGET, name="t") * o.log()).sum()
    loss.name = "E"
    return loss


def jacobian() -> tuple[np.ndarray, np.ndarray]:
    """The engine's Jacobian of softmax (row i: the gradient of o_i), and o."""
    net = Tensor(W @ X, requires_grad=True)
    rows = []
    for i in range(len(net.data)):
        net.grad = None
        F.softmax(net)[i].backward()
        rows.append(net.grad.copy())
    return np.array(rows), F.softmax(Tensor(W @ X)).data


def main() -> dict[str, np.ndarray]:
    loss = graph()
    loss.backward()
    w = named(loss)["W"]
    engine_jacobian, o = jacobian()
    formula = np.diag(o) - np.outer(o, o)
    rule = RATE * np.outer(TARGET - o, X)
    print(f"o = {np.round(o, 4)}; softmax Jacobian from the engine:\n{np.round(engine_jacobian, 4)}"
          f"\n o_i(δ_ij − o_j):\n{np.round(formula, 4)}")
    print(f"engine Δw = −η·∂E/∂W =\n{np.round(-RATE * w.grad, 5)}\nη(t − o)xᵀ =\n{np.round(rule, 5)}")
    return {"jacobian": engine_jacobian, "formula": formula, "delta_engine": -RATE * w.grad,
            "delta_rule": rule}


if __name__ == "__main__":
    main()
