"""A sigmoid neuron f = σ(w0·x0 + w1·x1 + w2) at (w0, x0, w1, x1, w2) = (2, −1, −3, −2, −3).

net = 1, f = σ(1) = 0.7311, ∂f/∂net = f(1 − f) = 0.1966; so ∂f/∂w0 = 0.1966·x0 = −0.1966,
∂f/∂x0 = 0.1966·w0 = 0.3932, ∂f/∂w1 = −0.3932, ∂f/∂x1 = −0.5898, ∂f/∂w2 = 0.1966.
Built from exp, add and divide gates, f = 1/(1 + e^(−net)), the gradients are the same.
"""

from __future__ import annotations

from autograd import Scalar
from autograd.core.value import Value

NAMES = ("w0", "x0", "w1", "x1", "w2")


def graph(kind: type = Scalar, from_primitives: bool = False) -> Value:
    from autograd.examples.common import leaf

    w0, x0, w1, x1, w2 = (leaf(kind, v, n) for v, n in zip((2.0, -1.0, -3.0, -2.0, -3.0), NAMES))
    net = w0 * x0 + w1 * x1 + w2
    net.name = "net"
    f = 1 / (1 + (-net).exp()) if from_primitives else net.sigmoid()
    f.name = "f"
    return f


def main(kind: type = Scalar) -> dict[str, dict[str, float]]:
    from autograd.examples.common import grads_of

    results = {}
    for primitives in (False, True):
        f = graph(kind, primitives)
        f.backward()
        grads = grads_of(f, *NAMES)
        how = "exp/add/div gates" if primitives else "a Sigmoid gate"
        print(f"σ(w0·x0 + w1·x1 + w2) from {how}: f = {float(f.data):.4f}; " +
              ", ".join(f"∂f/∂{n} = {g:.4f}" for n, g in grads.items()))
        results[how] = {"f": float(f.data), **grads}
    return results


if __name__ == "__main__":
    main()
