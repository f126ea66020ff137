"""Normalisation: layer norm and batch norm, each one fused gate with its closed-form gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like
from autograd.core.kernels import channel_sum, last_axis_sum, leading_sum


class LayerNorm(Function):
    """x̂ = (x − μ)/√(σ² + ε) over the last axis, z = x̂·w + b;
    ∂L/∂w = Σ g·x̂, ∂L/∂b = Σ g, ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(σ² + ε), ĝ = g·w"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray | None,
                bias: np.ndarray | None, eps: float = 1e-5) -> np.ndarray:
        width = x.shape[-1] if x.ndim else 0
        for label, p in (("weight", weight), ("bias", bias)):
            if p is not None and p.shape != (width,):
                raise ValueError(f"layer_norm: {label} of shape {p.shape} does not match the last "
                                 f"axis of x {x.shape}")
        x_hat = x - last_axis_sum(x) / width
        variance = np.einsum("...i,...i->...", x_hat, x_hat)[..., None] / x.shape[-1]
        inv_std = 1.0 / np.sqrt(variance + np.asarray(eps, dtype=x.dtype))
        x_hat *= inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        z = x_hat if weight is None else x_hat * weight
        return z if bias is None else z + bias

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_hat, inv_std, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_w = leading_sum(grad * x_hat) if need_w else None
        grad_b = leading_sum(grad) if need_b else None
        grad_x = None
        if need_x:
            width = grad.shape[-1]
            g_hat = grad if weight is None else grad * weight
            projection = np.einsum("...i,...i->...", g_hat, x_hat)[..., None] / width
            grad_x = x_hat * projection
            np.subtract(g_hat, grad_x, out=grad_x)
            grad_x -= last_axis_sum(g_hat) / width
            grad_x *= inv_std
        return grad_x, grad_w, grad_b

    @staticmethod
    def composition(x: Any, weight: Any, bias: Any, eps: float = 1e-5) -> Any:
        centred = x - x.mean(axis=-1, keepdims=True)
        z = centred / ((centred * centred).mean(axis=-1, keepdims=True) + eps).sqrt()
        z = z if weight is None else z * weight
        return z if bias is None else z + bias


class BatchNorm(Function):
    """x̂ = (x − μ)/√(σ² + ε) per channel, μ and σ² taken over `axes`; z = x̂·w + b.
    With batch statistics (μ, σ² of this x, M values per channel):
    ∂L/∂w = Σ g·x̂, ∂L/∂b = Σ g, ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(σ² + ε), ĝ = g·w;
    with running statistics (constants): ∂L/∂x = ĝ / √(σ² + ε).
    `mean` and `var` come in precomputed (the module also needs them for its running averages).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                mean: np.ndarray, var: np.ndarray, eps: float = 1e-5,
                axes: tuple[int, ...] = (0,), batch_stats: bool = True) -> np.ndarray:
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        x_hat = (x - mean.astype(x.dtype)) * inv_std
        ctx.axes, ctx.batch_stats = axes, batch_stats
        ctx.save_for_backward(x_hat, inv_std, weight)
        return x_hat * weight + bias

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_hat, inv_std, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        count = x_hat.size // x_hat.shape[1]
        grad_x_hat = channel_sum(grad * x_hat)     # Σ g·x̂ per channel
        grad_b = channel_sum(grad)                 # Σ g per channel
        grad_x = None
        if need_x:
            g_hat = grad * weight
            if ctx.batch_stats:
                g_hat -= (grad_b * weight) / count
                g_hat -= x_hat * ((grad_x_hat * weight) / count)
            g_hat *= inv_std
            grad_x = g_hat
        return grad_x, (grad_x_hat if need_w else None), (grad_b if need_b else None)

    @staticmethod
    def composition(x: Any, weight: Any, bias: Any, mean: np.ndarray, var: np.ndarray,
                    eps: float = 1e-5, axes: tuple[int, ...] = (0,), batch_stats: bool = True) -> Any:
        if batch_stats:
            centred = x - x.mean(axis=axes, keepdims=True)
            scale = ((centred * centred).mean(axis=axes, keepdims=True) + eps).sqrt()
        else:   # running statistics: constants
            centred = x - mean.astype(x.dtype)
            scale = constant_like(x, np.sqrt(var + eps).astype(x.dtype))
        return centred / scale * weight + bias
