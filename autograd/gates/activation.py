"""What a hidden layer applies elementwise besides tanh and sigmoid: GELU, dropout's mask, and
PyTorch's other activations (softplus, leaky ReLU, ReLU6, hardswish, log-sigmoid)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like, times_constant

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


class Softplus(Function):
    """z = (1/β)·ln(1 + e^{βx}), and z = x where βx > threshold (PyTorch's switch to the line);
    ∂z/∂x = σ(βx) = 1 − e^{−βz}, and 1 where βx > threshold

    ln(1 + e^{βx}) is computed as max(βx, 0) + ln(1 + e^{−|βx|}), which never overflows, and
    σ(βx) as −expm1(−βz), which keeps its relative precision when it is tiny."""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, beta: float = 1.0, threshold: float = 20.0
                ) -> np.ndarray:
        scaled = x * beta
        line = scaled > threshold
        z = (np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))) / beta
        z = np.where(line, x, z)
        ctx.beta, ctx.line = beta, line
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (z,) = ctx.saved_tensors
        return grad * np.where(ctx.line, 1, -np.expm1(z * -ctx.beta))

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        slope = (ctx.inputs[0] * ctx.beta).sigmoid()
        return times_constant(grad * slope, ~ctx.line) + times_constant(grad, ctx.line)


class LeakyRelu(Function):
    """z = x for x > 0, else s·x (s = negative_slope);  ∂z/∂x = 1 for x > 0, else s (s at 0,
    as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
        slope = np.where(x > 0, 1, negative_slope).astype(x.dtype)
        ctx.save_for_backward(slope)
        return x * slope

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (slope,) = ctx.saved_tensors
        return grad * slope

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (slope,) = ctx.saved_tensors
        return times_constant(grad, slope)


class Relu6(Function):
    """z = min(max(x, 0), 6);  ∂z/∂x = 1 for 0 < x < 6, else 0 (0 at both kinks, as PyTorch's
    hardtanh, which relu6 is)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward((x > 0) & (x < 6))
        return np.clip(x, 0, 6)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (inside,) = ctx.saved_tensors
        return grad * inside

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (inside,) = ctx.saved_tensors
        return times_constant(grad, inside)


class Hardswish(Function):
    """z = x·relu6(x + 3)/6: 0 for x ≤ −3, x for x ≥ 3, x(x + 3)/6 between;
    ∂z/∂x = 0 for x < −3, x/3 + ½ for −3 ≤ x ≤ 3, 1 for x > 3 (PyTorch's values at the kinks)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        return grad * np.where(x < -3, 0, np.where(x <= 3, x / 3 + 0.5, 1)).astype(x.dtype)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x = ctx.inputs[0]
        middle, high = (x.data >= -3) & (x.data <= 3), x.data > 3
        offset = constant_like(x, (0.5 * middle + high).astype(x.dtype))
        return grad * (times_constant(x, middle / 3) + offset)


class LogSigmoid(Function):
    """z = ln σ(x) = min(x, 0) − ln(1 + e^{−|x|});  ∂z/∂x = 1 − σ(x) = σ(−x)

    Both computed from e = e^{−|x|}, so neither tail loses precision or overflows: at x = 100,
    z = −3.7e−44 and ∂z/∂x = 3.7e−44 (not ln 1 = 0 and an infinite 1/σ in float32)."""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        e = np.exp(-np.abs(x))
        ctx.save_for_backward(x, e)
        return np.minimum(x, 0) - np.log1p(e)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        x, e = ctx.saved_tensors
        return grad * (np.where(x >= 0, e, 1) / (1 + e))

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * (-ctx.inputs[0]).sigmoid()
