"""A network of linear neurons cannot compute XOR: W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂)
is one linear map, whatever the depth, and the best linear fit of XOR outputs 0.5 everywhere
(E = ½Σ(t − o)² = 0.5). Training confirms it: the error stops at 0.5.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, optim
from autograd.core.value import Value
from autograd.examples.xor import INPUTS, TARGETS, initial_weights


def network(params: list[Tensor], x: np.ndarray) -> Tensor:
    w1, b1, w2, b2 = params
    return (Tensor(x) @ w1 + b1) @ w2 + b2


def graph() -> Value:
    params = [Tensor(w, requires_grad=True, name=n)
              for w, n in zip(initial_weights(), ("W1", "b1", "w2", "b2"))]
    diff = Tensor(TARGETS) - network(params, INPUTS)
    e = (diff * diff).sum() * 0.5
    e.name = "E"
    return e


def main(epochs: int = 3000) -> dict:
    params = [Tensor(w, requires_grad=True) for w in initial_weights()]
    opt = optim.SGD(params, lr=0.05)
    for _ in range(epochs):
        opt.zero_grad()
        diff = Tensor(TARGETS) - network(params, INPUTS)
        ((diff * diff).sum() * 0.5).backward()
        opt.step()
    out = network(params, INPUTS).data
    w1, b1, w2, b2 = (p.data for p in params)
    collapsed = INPUTS @ (w1 @ w2) + (b1 @ w2 + b2)
    final = 0.5 * float(np.sum((TARGETS - out) ** 2))
    print(f"linear 2-2-1 network after {epochs} epochs: outputs {np.round(out, 3)}, E = {final:.4f}"
          f" (the best a linear map can do is 0.5); one matrix W₁W₂ gives the same outputs: "
          f"{np.allclose(collapsed, out)}")
    return {"error": final, "outputs": out, "collapsed": collapsed}


if __name__ == "__main__":
    main()
