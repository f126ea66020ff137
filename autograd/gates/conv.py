"""One-dimensional convolution, as a matrix product over the windows each output reads."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like
from autograd.gates.indexing import Index
from autograd.gates.shape import Concat


def _windows(x: np.ndarray, size: int, stride: int, dilation: int) -> np.ndarray:
    """(N, C, L) → (N, C, L_out, K): the K taps each output position reads (a view, no copy)."""
    n, c, length = x.shape
    out = (length - dilation * (size - 1) - 1) // stride + 1
    if stride == size and dilation == 1:   # side by side, as when pairs merge: a reshape
        return x[:, :, :out * size].reshape(n, c, out, size)
    s_n, s_c, s_l = x.strides
    return np.lib.stride_tricks.as_strided(x, (n, c, out, size),
                                           (s_n, s_c, s_l * stride, s_l * dilation),
                                           writeable=False)


class Conv1d(Function):
    """z[n, o, l] = b[o] + Σ_c Σ_k w[o, c, k] · x[n, c, l·stride + k·dilation − padding];
    ∂L/∂w[o, c, k] = Σ_{n,l} g[n, o, l]·x[…], ∂L/∂x[…] = Σ_{o,k} g[n, o, l]·w[o, c, k]"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
        if x.ndim != 3 or weight.ndim != 3 or x.shape[1] != weight.shape[1]:
            raise ValueError(f"conv1d: input (N, C, L) {x.shape} and weight (C_out, C_in, K) "
                             f"{weight.shape} do not match")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"conv1d: bias of shape {bias.shape} for {weight.shape[0]} outputs")
        if stride < 1 or dilation < 1 or padding < 0:
            raise ValueError(f"conv1d: stride {stride} and dilation {dilation} must be ≥ 1, "
                             f"padding {padding} ≥ 0")
        out_ch, in_ch, size = weight.shape
        padded = np.pad(x, ((0, 0), (0, 0), (padding, padding))) if padding else x
        if padded.shape[2] < dilation * (size - 1) + 1:
            raise ValueError(f"conv1d: input length {x.shape[2]} (+2·{padding} padding) is shorter "
                             f"than the kernel's span {dilation * (size - 1) + 1}")
        cols = _windows(padded, size, stride, dilation)           # (N, C, L_out, K)
        n, _, length, _ = cols.shape
        cols = cols.transpose(0, 2, 1, 3).reshape(n * length, in_ch * size)
        z = (cols @ weight.reshape(out_ch, in_ch * size).T).reshape(n, length, out_ch)
        if bias is not None:
            z += bias
        ctx.geometry = (x.shape, stride, padding, dilation)
        ctx.save_for_backward(cols, weight)
        return np.ascontiguousarray(z.transpose(0, 2, 1))

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        cols, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        (n, in_ch, length), stride, padding, dilation = ctx.geometry
        out_ch, _, size = weight.shape
        g = grad.transpose(0, 2, 1)                                # (N, L_out, C_out)
        grad_b = np.sum(g, axis=(0, 1)) if need_b else None
        grad_w = None
        if need_w:
            flat = g.reshape(-1, out_ch).T @ cols.reshape(-1, in_ch * size)
            grad_w = flat.reshape(weight.shape)
        grad_x = None
        if need_x:
            g_cols = (g.reshape(-1, out_ch) @ weight.reshape(out_ch, in_ch * size)).reshape(
                n, -1, in_ch, size)
            padded = np.zeros((n, in_ch, length + 2 * padding), dtype=grad.dtype)
            out_len = g_cols.shape[1]
            if stride == size and dilation == 1:   # windows side by side: each position once
                padded[:, :, :out_len * size] = g_cols.transpose(0, 2, 1, 3).reshape(n, in_ch, -1)
            else:
                for k in range(size):  # each tap adds its share back to the positions it read
                    start = k * dilation
                    padded[:, :, start:start + stride * (out_len - 1) + 1:stride] += (
                        g_cols[:, :, :, k].transpose(0, 2, 1))
            grad_x = padded[:, :, padding:padding + length]
        return grad_x, grad_w, grad_b

    @staticmethod
    def composition(x: Any, weight: Any, bias: Any, stride: int = 1, padding: int = 0,
                    dilation: int = 1) -> Any:
        n, in_ch, _ = x.shape
        out_ch, _, size = weight.shape
        if padding:
            side = constant_like(x, np.zeros((n, in_ch, padding), dtype=x.dtype))
            x = Concat.apply(side, x, side, axis=2)
        out_len = (x.shape[2] - dilation * (size - 1) - 1) // stride + 1
        taps = np.arange(out_len)[:, None] * stride + np.arange(size)[None, :] * dilation
        cols = Index.apply(x, (slice(None), slice(None), taps))          # (N, C, L_out, K)
        cols = cols.transpose(0, 2, 1, 3).reshape(n * out_len, in_ch * size)
        z = (cols @ weight.reshape(out_ch, in_ch * size).T).reshape(n, out_len, out_ch)
        return (z if bias is None else z + bias).transpose(0, 2, 1)
