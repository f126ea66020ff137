"""Exercise `rnn` — an Elman RNN and backpropagation through time by hand (block 8).

hₜ = tanh(xₜ·W_x + hₜ₋₁·W_h + b), t = 1 … T. The checker unrolls your RNNCell over T steps
(the engine then runs BPTT) and compares the pass with the reference's; `bptt` is the same
derivation written as a loop by hand.
"""

from autograd import Function


class RNNCell(Function):
    """One step: h = tanh(x·W_x + h_prev·W_h + b); x (B, D), h_prev (B, H), W_x (D, H),
    W_h (H, H), b (H,).

    Return (∂L/∂x, ∂L/∂h_prev, ∂L/∂W_x, ∂L/∂W_h, ∂L/∂b), each in its input's shape. Which
    of them carries the gradient back to the previous time step?"""

    @staticmethod
    def forward(ctx, x, h_prev, w_x, w_h, b):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


def bptt(xs, hs, h0, w_h, grads_h, truncate=None):
    """∂L/∂W_x, ∂L/∂W_h, ∂L/∂b of a whole sequence, by hand (numpy, no gates).

    xs (T, B, D) inputs, hs (T, B, H) the states h₁ … h_T, h0 (B, H), w_h (H, H), and
    grads_h (T, B, H): the loss's own ∂L/∂hₜ at each step (not counting later steps). Derive
    the total ∂L/∂hₜ — what reaches hₜ from step t + 1? — walking t from T down to 1, and
    sum each step's share of the weight gradients over t.

    truncate=k: truncated BPTT in chunks of k steps (steps 1…k, k+1…2k, …): no gradient
    flows from a chunk into the one before it. Returns (dW_x, dW_h, db)."""
    raise NotImplementedError
