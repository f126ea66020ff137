"""Logarithms and exponentials in other bases, and the log of a sum of exponentials: log2,
log10, exp2, logaddexp (elementwise, Scalars and Tensors) and logsumexp (a reduction).

Each is its own gate rather than ln x / ln 2 and the like, so that the values are numpy's
correctly rounded ones (log2(8) = 3 exactly) and the sums of exponentials never overflow."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.function import Context, Function
from autograd.gates.reduce import Axis, _spread, _spread_recorded

Raw = Any  # a float (Scalar) or an ndarray (Tensor)

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class Log2(Function):
    """z = log₂ x;  ∂z/∂x = 1/(x·ln 2)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad / (x * _LN2)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad / (ctx.inputs[0] * _LN2)


class Log10(Function):
    """z = log₁₀ x;  ∂z/∂x = 1/(x·ln 10)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad / (x * _LN10)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad / (ctx.inputs[0] * _LN10)


class Exp2(Function):
    """z = 2ˣ;  ∂z/∂x = 2ˣ·ln 2 = z·ln 2"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z = np.exp2(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad * (z * _LN2)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * (out * _LN2)


class LogAddExp(Function):
    """z = ln(eˣ + eʸ), computed as max(x, y) + ln(1 + e^{−|x−y|}) (no overflow);
    ∂z/∂x = eˣ⁻ᶻ = σ(x − y), ∂z/∂y = eʸ⁻ᶻ = σ(y − x)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        z = np.logaddexp(x, y)
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        x, y, z = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (grad * np.exp(x - z) if need_x else None), (grad * np.exp(y - z) if need_y else None)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x, y = ctx.inputs
        need_x, need_y = ctx.needs_input_grad
        return ((grad * (x - out).exp() if need_x else None),
                (grad * (y - out).exp() if need_y else None))


class LogSumExp(Function):
    """z = ln Σᵢ e^{xᵢ} over the axes, computed as m + ln Σᵢ e^{xᵢ − m} with m the maximum (no
    overflow; −∞ where every entry is −∞, as PyTorch);  ∂z/∂xᵢ = e^{xᵢ − z} = softmax(x)ᵢ"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        ctx.axes = normalize_axes(axis, x.ndim, "logsumexp")
        ctx.keepdims, ctx.shape = keepdims, x.shape
        shift = np.max(x, axis=ctx.axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim)
        shift = np.where(np.isfinite(shift), shift, 0).astype(x.dtype)   # all −∞: no ∞ − ∞
        with np.errstate(divide="ignore"):   # ln 0 = −∞ where every entry is −∞
            z = np.log(np.sum(np.exp(x - shift), axis=ctx.axes, keepdims=True)) + shift
        ctx.save_for_backward(x, z)
        return z if keepdims else np.squeeze(z, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        x, z = ctx.saved_tensors
        return np.exp(x - z) * _spread(grad, ctx)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x = ctx.inputs[0]
        return (x - _spread_recorded(out, ctx)).exp() * _spread_recorded(grad, ctx)
