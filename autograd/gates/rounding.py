"""Step functions and the remainders of a division: sign, floor, ceil, round, trunc, fmod and
remainder. Elementwise, for Scalars and Tensors.

A step function is flat between its jumps, so its derivative is 0 wherever it exists; at the
jumps, where it does not, PyTorch also gives 0, and so do these gates. The result still belongs
to the graph (it requires grad when x does), as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function, times_constant

Raw = Any  # a float (Scalar) or an ndarray (Tensor)


def _flat(ctx: Context, grad: Raw) -> Raw:
    """A step function's gradient: zero everywhere."""
    return np.zeros_like(grad)


def _flat_recorded(ctx: Context, grad: Any, out: Any) -> Any:
    """`_flat`, recorded (a product with the constant 0)."""
    return times_constant(grad, 0.0)


def _by_quotient(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
    """The gradients of z = x − q·y with a step function q = ctx.quotient: 1 and −q."""
    return grad, -grad * ctx.quotient


def _by_quotient_recorded(ctx: Context, grad: Any, out: Any) -> Any:
    """`_by_quotient`, recorded."""
    return grad, times_constant(grad, -ctx.quotient)


class Sign(Function):
    """z = sign x ∈ {−1, 0, 1};  ∂z/∂x = 0 (0 at x = 0 as well, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        return np.sign(x)

    backward = staticmethod(_flat)
    recorded_backward = staticmethod(_flat_recorded)


class Floor(Function):
    """z = ⌊x⌋, the largest integer ≤ x;  ∂z/∂x = 0 (at the integers too, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        return np.floor(x)

    backward = staticmethod(_flat)
    recorded_backward = staticmethod(_flat_recorded)


class Ceil(Function):
    """z = ⌈x⌉, the smallest integer ≥ x;  ∂z/∂x = 0 (at the integers too, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        return np.ceil(x)

    backward = staticmethod(_flat)
    recorded_backward = staticmethod(_flat_recorded)


class Round(Function):
    """z = x rounded to `decimals` places, halves to even (2.5 → 2, as PyTorch and numpy);
    ∂z/∂x = 0 (at the jumps too, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, decimals: int = 0) -> Raw:
        return np.round(x, decimals)

    backward = staticmethod(_flat)
    recorded_backward = staticmethod(_flat_recorded)


class Trunc(Function):
    """z = x with its fraction dropped (towards 0);  ∂z/∂x = 0 (at the integers too, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        return np.trunc(x)

    backward = staticmethod(_flat)
    recorded_backward = staticmethod(_flat_recorded)


class Fmod(Function):
    """z = fmod(x, y) = x − q·y with q = trunc(x/y) (the sign of x, as C's fmod);
    ∂z/∂x = 1, ∂z/∂y = −q (q is a step function of x and y; PyTorch's rule, jumps included)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        with np.errstate(divide="ignore", invalid="ignore"):   # y = 0 gives NaN, as PyTorch
            ctx.quotient = np.trunc(np.divide(x, y))
            return np.fmod(x, y)

    backward = staticmethod(_by_quotient)
    recorded_backward = staticmethod(_by_quotient_recorded)


class Remainder(Function):
    """z = x mod y = x − q·y with q = ⌊x/y⌋ (the sign of y, as Python's % and PyTorch's
    remainder);  ∂z/∂x = 1, ∂z/∂y = −q (PyTorch's rule, jumps included)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        with np.errstate(divide="ignore", invalid="ignore"):   # y = 0 gives NaN, as PyTorch
            ctx.quotient = np.floor_divide(x, y)
            return np.remainder(x, y)

    backward = staticmethod(_by_quotient)
    recorded_backward = staticmethod(_by_quotient_recorded)
