"""Backpropagation through time: the recurrent weights W_h serve every step, so ∂J/∂W_h is the
sum over time steps i of the contribution of W_h's use at step i, ∂J/∂W_h|(i).

The trace of the backward pass shows each MatMul gate that reads W_h handing its share back;
the shares add up to W_h.grad. ‖∂J/∂h_t‖ shows how far the error signal reaches back in time.
"""

from __future__ import annotations

import numpy as np

from autograd import F, Tensor
from autograd.core.value import Value
from autograd.tools.trace import trace_backward

STEPS, HIDDEN, VOCAB = 6, 4, 5


def graph(scale: float = 0.5, seed: int = 3) -> Value:
    rng = np.random.default_rng(seed)
    w_h = Tensor(scale * rng.standard_normal((HIDDEN, HIDDEN)), requires_grad=True, name="W_h")
    w_e = Tensor(rng.standard_normal((VOCAB, HIDDEN)), requires_grad=True, name="W_e")
    u = Tensor(rng.standard_normal((HIDDEN, VOCAB)), requires_grad=True, name="U")
    tokens = rng.integers(0, VOCAB, STEPS + 1)
    h = Tensor(np.zeros(HIDDEN), name="h0")
    losses = []
    for t in range(STEPS):
        h = (h @ w_h + w_e[int(tokens[t])]).tanh()
        h.name = f"h{t + 1}"
        losses.append(F.cross_entropy((h @ u)[None, :], [int(tokens[t + 1])]))
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    total.name = "J"
    return total


def per_step_contributions(output: Value) -> tuple[list[np.ndarray], np.ndarray, dict[str, float]]:
    """The shares of ∂J/∂W_h from each time step, W_h.grad, and ‖∂J/∂h_t‖ per step."""
    from autograd.examples.common import named

    trace = trace_backward(output)
    w_h = named(output)["W_h"]
    shares = [down for step in trace for value, down in zip(step.inputs, step.downstream)
              if value is w_h and down is not None]
    norms = {v.name: float(np.linalg.norm(trace.grad(v))) for v in named(output).values()
             if v.name and v.name.startswith("h") and v.name != "h0"}
    return shares, w_h.grad, norms


def main() -> dict:
    shares, total, norms = per_step_contributions(graph())
    print(f"{len(shares)} per-step contributions to ∂J/∂W_h; their sum equals W_h.grad: "
          f"{np.allclose(sum(shares), total)} (max |difference| "
          f"{np.max(np.abs(sum(shares) - total)):.2e})")
    print("‖∂J/∂h_t‖: " + ", ".join(f"{n} {v:.4f}" for n, v in sorted(norms.items())))
    return {"shares": shares, "total": total, "norms": norms}


if __name__ == "__main__":
    main()
