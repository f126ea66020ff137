"""What a hidden layer applies elementwise besides tanh and sigmoid: GELU, and dropout's mask."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.core.function import Context, Function, times_constant

_GELU_C = math.sqrt(2.0 / math.pi)


class Gelu(Function):
    """z = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)  (the tanh approximation);
    ∂z/∂x = ½(1 + tanh u) + ½x(1 − tanh²u)·∂u/∂x,  ∂u/∂x = √(2/π)(1 + 3·0.044715x²)

    Computed through the same function's other form ½(1 + tanh u) = σ(2u) = 1/(1 + e^{−2u}),
    so z = x·σ(2u) and ∂z/∂x = σ + 2x·σ(1 − σ)·∂u/∂x: numpy's exp is twice as quick as its tanh.
    """

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # in place where possible: these arrays are large and the formula has many steps
        s = np.asarray(x * x)   # an array even for 0-d x, so the in-place steps below work
        s *= -2 * 0.044715 * _GELU_C
        s -= 2 * _GELU_C
        s *= x                              # −2u
        with np.errstate(over="ignore"):    # e^{−2u} = ∞ for x ≪ 0 gives σ = 0: the right limit
            np.exp(s, out=s)
        s += 1
        np.reciprocal(s, out=s)             # σ(2u) = ½(1 + tanh u)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        x, s = ctx.saved_tensors
        du = np.asarray(x * x)
        du *= 3 * 0.044715 * _GELU_C
        du += _GELU_C                       # ∂u/∂x
        du *= x
        slope = np.subtract(1, s, dtype=s.dtype)
        slope *= s
        slope *= du
        slope *= 2                          # 2x·σ(1 − σ)·∂u/∂x
        slope += s
        slope *= grad
        return slope

    @staticmethod
    def composition(x: Any) -> Any:
        return x * (2 * _GELU_C * (x + 0.044715 * x * x * x)).sigmoid()


class Dropout(Function):
    """z = x·m with m = keep/(1 − p) drawn once per call;  ∂z/∂x = m"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None]:
        (mask,) = ctx.saved_tensors
        return grad * mask, None

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (mask,) = ctx.saved_tensors
        return times_constant(grad, mask), None
