"""Vanishing and exploding gradients in a deep sigmoid chain h_l = σ(w·h_{l−1} + b).

With b = −w/2 the chain sits at its fixed point h = ½, where σ' = ¼, so
∂h_L/∂h_0 = (w·σ')^L = (w/4)^L: it vanishes for w < 4 (σ' ≤ ¼ always shrinks it) and
explodes for w > 4.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Scalar
from autograd.core.value import Value


def graph(depth: int = 6, weight: float = 1.0) -> Value:
    h = Scalar(0.5, name="h0")
    for layer in range(1, depth + 1):
        h = (weight * h - weight / 2).sigmoid()
        h.name = f"h{layer}"
    return h


def gradient_at_input(depth: int, weight: float) -> float:
    out = graph(depth, weight)
    out.backward()
    from autograd.examples.common import named

    return named(out)["h0"].grad


def main(depths: tuple[int, ...] = (1, 5, 10, 20, 40)) -> dict[str, Any]:
    results = {}
    for weight in (1.0, 6.0):
        grads = [gradient_at_input(d, weight) for d in depths]
        results[f"w={weight:g}"] = grads
        print(f"w = {weight:g}: ∂h_L/∂h_0 for depths {list(depths)}: "
              + ", ".join(f"{g:.3g}" for g in grads) + "   ((w/4)^L: "
              + ", ".join(f"{(weight / 4) ** d:.3g}" for d in depths) + ")")
    return {"depths": list(depths), **results, "expected": {
        f"w={w:g}": [float(np.float64(w / 4) ** d) for d in depths] for w in (1.0, 6.0)}}


if __name__ == "__main__":
    main()
