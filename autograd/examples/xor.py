"""XOR with a 2-2-1 sigmoid network trained by backpropagation on the total-sum-square error
E = ½ Σ_p (t_p − o_p)², until E falls below a limit.

What the lecture asks to observe: it converges (for most starting weights); each hidden neuron
computes a linearly separable function (typically OR-like and NAND/AND-like), which the output
combines; batch learning (one update per pass) against incremental (one per pattern); the
momentum factor β (Δw(n) = −η∂E/∂w + βΔw(n−1)) cuts the epochs needed; and identical initial
weights never break symmetry: the two hidden units stay identical forever.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, optim
from autograd.core.value import Value

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
LIMIT = 0.01


def initial_weights(seed: int = 2, symmetric: bool = False) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    w1, b1 = rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, 2)
    w2, b2 = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 1)
    if symmetric:
        w1[:, 1], b1[1] = w1[:, 0], b1[0]
        w2[1] = w2[0]
    return [w1, b1, w2, b2]


def forward(params: list[Tensor], x: np.ndarray) -> tuple[Tensor, Tensor]:
    w1, b1, w2, b2 = params
    hidden = (Tensor(x) @ w1 + b1).sigmoid()
    return hidden, (hidden @ w2 + b2).sigmoid()


def error(params: list[Tensor], x: np.ndarray = INPUTS, t: np.ndarray = TARGETS) -> Tensor:
    _, out = forward(params, x)
    diff = Tensor(t) - out
    return (diff * diff).sum() * 0.5


def graph() -> Value:
    params = [Tensor(w, requires_grad=True, name=n)
              for w, n in zip(initial_weights(), ("W1", "b1", "w2", "b2"))]
    e = error(params)
    e.name = "E"
    return e


def train(seed: int = 2, rate: float = 2.0, momentum: float = 0.0, incremental: bool = False,
          symmetric: bool = False, max_epochs: int = 20_000) -> dict:
    """Train until E < LIMIT; returns the epochs taken (None if not reached) and the network."""
    params = [Tensor(w, requires_grad=True) for w in initial_weights(seed, symmetric)]
    opt = optim.SGD(params, lr=rate, momentum=momentum)
    for epoch in range(1, max_epochs + 1):
        batches = [(INPUTS[i:i + 1], TARGETS[i:i + 1]) for i in range(4)] if incremental \
            else [(INPUTS, TARGETS)]
        for x, t in batches:
            opt.zero_grad()
            error(params, x, t).backward()
            opt.step()
        if float(error(params).data) < LIMIT:
            return {"epochs": epoch, "params": params}
    return {"epochs": None, "params": params}


def main() -> dict:
    result = train()
    hidden, out = forward(result["params"], INPUTS)
    print(f"batch learning, η = 2: E < {LIMIT} after {result['epochs']} epochs; outputs "
          f"{np.round(out.data, 3)}")
    for unit in range(2):
        table = ", ".join(f"{a:g}{b:g}→{h:.2f}" for (a, b), h in zip(INPUTS, hidden.data[:, unit]))
        print(f"  hidden neuron {unit + 1}: {table}")
    incremental = train(incremental=True)
    momentum = train(momentum=0.9, rate=0.5)
    plain = train(rate=0.5)
    print(f"incremental learning: {incremental['epochs']} epochs; η = 0.5 without momentum: "
          f"{plain['epochs']} epochs, with β = 0.9: {momentum['epochs']} epochs")
    stuck = train(symmetric=True, max_epochs=3000)
    w1 = stuck["params"][0].data
    print(f"identical initial weights: after {3000 if stuck['epochs'] is None else stuck['epochs']}"
          f" epochs the hidden units' weights are still identical: {np.allclose(w1[:, 0], w1[:, 1])}")
    return {"batch": result, "hidden": hidden.data, "outputs": out.data, "incremental": incremental,
            "momentum": momentum, "plain": plain, "symmetric": stuck}


if __name__ == "__main__":
    main()
