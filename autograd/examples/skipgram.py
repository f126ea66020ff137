"""Word vectors by backpropagation (skip-gram with a full softmax): for a centre word i and a
context word j, LL = −v_i·v_j + ln Σ_j' exp(v_i·v_j'), whose gradient with respect to v_i is
−v_j + Σ_j' p(j'|i)·v_j' = −v_j + E[v_j'] — the observed context against the expected one.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.core.value import Value

VOCAB, DIM, CENTRE, CONTEXT = 6, 4, 2, 4


def vectors() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.standard_normal((VOCAB, DIM)), rng.standard_normal((VOCAB, DIM))


def graph() -> Value:
    centre_table, context_table = vectors()
    v_i = Tensor(centre_table[CENTRE], requires_grad=True, name="v_i")
    contexts = Tensor(context_table, requires_grad=True, name="V")
    scores = contexts @ v_i
    loss = -scores[CONTEXT] + scores.exp().sum().log()
    loss.name = "LL"
    return loss


def main() -> dict[str, np.ndarray]:
    from autograd.examples.common import named

    loss = graph()
    loss.backward()
    v_i = named(loss)["v_i"]
    centre_table, context_table = vectors()
    scores = context_table @ centre_table[CENTRE]
    p = np.exp(scores - scores.max())
    p /= p.sum()
    formula = -context_table[CONTEXT] + p @ context_table
    print(f"∂LL/∂v_i from the engine: {np.round(v_i.grad, 5)}\n−v_j + E[v_j']:           "
          f"{np.round(formula, 5)}")
    return {"engine": v_i.grad, "formula": formula}


if __name__ == "__main__":
    main()
