"""Gated recurrent cells, each one fused gate per time step with its closed-form gradient (and
its composition of plain gates, which gives the second derivative).

Both take the input's part of the pre-activations, a = x·W_x + b, computed for every step at
once outside the loop, so a step only adds the recurrent product h·W_h. Gate order as PyTorch's:
(i, f, g, o) for the LSTM, (r, z, n) for the GRU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function
from autograd.core.kernels import leading_sum, logistic


def _check(name: str, a: np.ndarray, h: np.ndarray, w_h: np.ndarray, gates: int) -> int:
    """The hidden size, after checking that the shapes fit together (else one line naming them)."""
    width = h.shape[-1] if h.ndim else 0
    if w_h.shape != (width, gates * width) or a.shape[-1:] != (gates * width,):
        raise ValueError(f"{name}: with a state of shape {h.shape} the recurrent weight must be "
                         f"{(width, gates * width)} and the input part end in {gates * width}; got "
                         f"weight {w_h.shape} and input part {a.shape}")
    return width


class LSTMCell(Function):
    """One LSTM step (Hochreiter & Schmidhuber), with s = a + h·W_h cut into (s_i, s_f, s_g, s_o):
    i = σ(s_i), f = σ(s_f), g = tanh(s_g), o = σ(s_o);  c' = f⊙c + i⊙g,  h' = o⊙tanh(c').
    Given ∂L/∂h' and ∂L/∂c':  ∂L/∂o = ∂L/∂h'⊙tanh(c'),  δc = ∂L/∂c' + ∂L/∂h'⊙o⊙(1 − tanh²c');
    ∂L/∂i = δc⊙g, ∂L/∂g = δc⊙i, ∂L/∂f = δc⊙c, ∂L/∂c = δc⊙f;  ∂L/∂s = those times σ′ = σ(1 − σ)
    or tanh′ = 1 − tanh²;  ∂L/∂a = ∂L/∂s,  ∂L/∂h = ∂L/∂s·W_hᵀ,  ∂L/∂W_h = hᵀ·∂L/∂s.
    The cell-state path c → c' is multiplied by f only: the gradient's highway through time."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, h: np.ndarray, c: np.ndarray, w_h: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        width = _check("lstm_cell", a, h, w_h, 4)
        s = a + h @ w_h
        gates = logistic(s)   # one call for all four; the g slice is then tanh instead
        i, f, o = (gates[..., k * width:(k + 1) * width] for k in (0, 1, 3))
        g = np.tanh(s[..., 2 * width:3 * width])
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        ctx.save_for_backward(h, c, w_h, i, f, g, o, tanh_c)
        return o * tanh_c, c_new

    @staticmethod
    def backward(ctx: Context, *grads: np.ndarray) -> tuple[np.ndarray | None, ...]:
        grad_h, grad_c = grads
        h, c, w_h, i, f, g, o, tanh_c = ctx.saved_tensors
        delta_c = grad_c + grad_h * o * (1.0 - tanh_c * tanh_c)
        grad_s = np.concatenate([delta_c * g * i * (1.0 - i), delta_c * c * f * (1.0 - f),
                                 delta_c * i * (1.0 - g * g), grad_h * tanh_c * o * (1.0 - o)],
                                axis=-1)
        need_a, need_h, need_c, need_w = ctx.needs_input_grad[:4]
        rows = grad_s.reshape(-1, grad_s.shape[-1])
        states = np.broadcast_to(h, grad_s.shape[:-1] + h.shape[-1:]).reshape(-1, h.shape[-1])
        return (grad_s if need_a else None,
                grad_s @ w_h.T if need_h else None,
                delta_c * f if need_c else None,
                states.T @ rows if need_w else None)

    @staticmethod
    def composition(a: Any, h: Any, c: Any, w_h: Any) -> Any:
        width = w_h.shape[0]
        s_i, s_f, s_g, s_o = (a + h @ w_h).split(width, axis=-1)
        c_new = s_f.sigmoid() * c + s_i.sigmoid() * s_g.tanh()
        return s_o.sigmoid() * c_new.tanh(), c_new


class GRUCell(Function):
    """One GRU step (Cho et al.), with a = (a_r, a_z, a_n) and u = h·W_h + b_h = (u_r, u_z, u_n):
    r = σ(a_r + u_r), z = σ(a_z + u_z), n = tanh(a_n + r⊙u_n);  h' = (1 − z)⊙n + z⊙h.
    Given ∂L/∂h':  ∂L/∂n = ∂L/∂h'⊙(1 − z),  ∂L/∂z = ∂L/∂h'⊙(h − n),  δn = ∂L/∂n⊙(1 − n²),
    ∂L/∂r = δn⊙u_n;  ∂L/∂a = (∂L/∂r⊙r(1 − r), ∂L/∂z⊙z(1 − z), δn),  ∂L/∂u = (same, same, δn⊙r);
    ∂L/∂h = ∂L/∂h'⊙z + ∂L/∂u·W_hᵀ,  ∂L/∂W_h = hᵀ·∂L/∂u,  ∂L/∂b_h = Σ ∂L/∂u.
    The path h → h' through z⊙h is multiplied by z only: the GRU's highway through time."""

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, h: np.ndarray, w_h: np.ndarray, b_h: np.ndarray
                ) -> np.ndarray:
        width = _check("gru_cell", a, h, w_h, 3)
        if b_h.shape != (3 * width,):
            raise ValueError(f"gru_cell: the recurrent bias must be {(3 * width,)}, got {b_h.shape}")
        u = h @ w_h + b_h
        gates = logistic(a[..., :2 * width] + u[..., :2 * width])   # r and z in one call
        r, z = gates[..., :width], gates[..., width:]
        u_n = u[..., 2 * width:]
        n = np.tanh(a[..., 2 * width:] + r * u_n)
        ctx.save_for_backward(h, w_h, r, z, n, u_n)
        return (1.0 - z) * n + z * h

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        h, w_h, r, z, n, u_n = ctx.saved_tensors
        delta_n = grad * (1.0 - z) * (1.0 - n * n)
        grad_r = delta_n * u_n * r * (1.0 - r)
        grad_z = grad * (h - n) * z * (1.0 - z)
        grad_a = np.concatenate([grad_r, grad_z, delta_n], axis=-1)
        grad_u = np.concatenate([grad_r, grad_z, delta_n * r], axis=-1)
        need_a, need_h, need_w, need_b = ctx.needs_input_grad[:4]
        rows = grad_u.reshape(-1, grad_u.shape[-1])
        states = np.broadcast_to(h, grad.shape).reshape(-1, h.shape[-1])
        return (grad_a if need_a else None,
                grad * z + grad_u @ w_h.T if need_h else None,
                states.T @ rows if need_w else None,
                leading_sum(grad_u) if need_b else None)

    @staticmethod
    def composition(a: Any, h: Any, w_h: Any, b_h: Any) -> Any:
        width = w_h.shape[0]
        a_r, a_z, a_n = a.split(width, axis=-1)
        u_r, u_z, u_n = (h @ w_h + b_h).split(width, axis=-1)
        r, z = (a_r + u_r).sigmoid(), (a_z + u_z).sigmoid()
        return (1.0 - z) * (a_n + r * u_n).tanh() + z * h
