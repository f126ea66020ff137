"""Reference solution of `rnn`."""

import numpy as np

from autograd import Function


class RNNCell(Function):
    """a = g ⊙ (1 − h²);  ∂L/∂x = a W_xᵀ, ∂L/∂h_prev = a W_hᵀ, ∂L/∂W_x = xᵀa, ∂L/∂W_h = h_prevᵀa,
    ∂L/∂b = Σ over rows of a"""

    @staticmethod
    def forward(ctx, x, h_prev, w_x, w_h, b):
        h = np.tanh(x @ w_x + h_prev @ w_h + b)
        ctx.save_for_backward(x, h_prev, w_x, w_h, h)
        return h

    @staticmethod
    def backward(ctx, grad):
        x, h_prev, w_x, w_h, h = ctx.saved_tensors
        a = grad * (1 - h * h)
        return a @ w_x.T, a @ w_h.T, x.T @ a, h_prev.T @ a, a.sum(axis=0)


def bptt(xs, hs, h0, w_h, grads_h, truncate=None):
    """δₜ = ∂L/∂hₜ = gₜ + aₜ₊₁ W_hᵀ (cut at a chunk's start), aₜ = δₜ ⊙ (1 − hₜ²);
    ∂L/∂W_x = Σₜ xₜᵀaₜ, ∂L/∂W_h = Σₜ hₜ₋₁ᵀaₜ, ∂L/∂b = Σₜ Σ_rows aₜ"""
    steps = len(xs)
    d_wx = np.zeros((xs.shape[2], w_h.shape[0]))
    d_wh, d_b = np.zeros_like(w_h), np.zeros(w_h.shape[0])
    carried = np.zeros_like(h0)
    for t in reversed(range(steps)):
        a = (grads_h[t] + carried) * (1 - hs[t] ** 2)
        previous = hs[t - 1] if t else h0
        d_wx += xs[t].T @ a
        d_wh += previous.T @ a
        d_b += a.sum(axis=0)
        starts_chunk = truncate is not None and t % truncate == 0
        carried = np.zeros_like(h0) if starts_chunk else a @ w_h.T
    return d_wx, d_wh, d_b
