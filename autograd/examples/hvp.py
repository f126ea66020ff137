"""A Hessian-vector product H·v without the Hessian, for f(w) = Σᵢ tanh(wᵢ)·wᵢ₊₁ + ½‖w‖².

H·v is the gradient of g(w)ᵀv, where g = ∇f is recorded with `create_graph=True`: two backward
passes, never the n×n matrix (what Newton-CG and curvature probes of a network use). Here, at
w = (0.5, −1, 2) and v = (1, 0, 0), H·v is the first column of H:
  ∂²f/∂w₀² = −2·tanh(w₀)(1 − tanh²w₀)·w₁ + 1,  ∂²f/∂w₀∂w₁ = 1 − tanh²w₀,  ∂²f/∂w₀∂w₂ = 0,
which `main` checks against the whole Hessian from `autograd.functional.hessian`.

`graph()` returns g(w)ᵀv as a value: stepping through its backward pass computes H·v.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, grad
from autograd import functional as AF
from autograd.core.value import Value

W = np.array([0.5, -1.0, 2.0])
V = np.array([1.0, 0.0, 0.0])
TITLE = "Hessian-vector product: the backward pass of ∇f(w)·v leaves H·v in w.grad"


def f(w: Tensor) -> Tensor:
    return (w[:-1].tanh() * w[1:]).sum() + 0.5 * (w * w).sum()


def graph() -> Value:
    """g(w)ᵀv with g = ∇f recorded; its backward pass leaves H·v in w.grad."""
    w = Tensor(W.copy(), requires_grad=True, dtype=np.float64, name="w")
    (g,) = grad(f(w), w, create_graph=True)
    g.name = "∇f(w)"
    directional = (g * Tensor(V, dtype=np.float64, name="v")).sum()
    directional.name = "∇f(w)·v"
    return directional


def main() -> dict[str, np.ndarray]:
    product = graph()
    product.backward()
    w = next(v for v in _leaves(product) if v.name == "w")
    hessian = AF.hessian(f, Tensor(W.copy(), requires_grad=True, dtype=np.float64)).data
    t = np.tanh(W[0])
    by_hand = np.array([-2 * t * (1 - t * t) * W[1] + 1, 1 - t * t, 0.0])
    print("Hessian-vector product of f(w) = Σ tanh(wᵢ)·wᵢ₊₁ + ½‖w‖² at w = (0.5, −1, 2), "
          "v = (1, 0, 0):")
    print(f"  H·v by two backward passes: {np.array2string(w.grad, precision=6)}")
    print(f"  H from autograd.functional.hessian, times v: "
          f"{np.array2string(hessian @ V, precision=6)}")
    print(f"  by hand: {np.array2string(by_hand, precision=6)}")
    return {"hvp": np.array(w.grad), "hessian_v": hessian @ V, "by_hand": by_hand}


def _leaves(value: Value) -> list[Value]:
    from autograd import topological_order

    return [v for v in topological_order(value) if v.grad_fn is None]


if __name__ == "__main__":
    main()
