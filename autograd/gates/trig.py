"""Trigonometric and hyperbolic gates beyond sin and cos: tan, sinh, cosh, the inverse
functions asin, acos, atan, and the two-argument atan2. Elementwise, for Scalars and Tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function

Raw = Any  # a float (Scalar) or an ndarray (Tensor)


class Tan(Function):
    """z = tan x;  ∂z/∂x = 1/cos²x = 1 + z²"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z = np.tan(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad * (1 + z * z)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * (1 + out * out)


class Sinh(Function):
    """z = sinh x = (eˣ − e⁻ˣ)/2;  ∂z/∂x = cosh x"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad * np.cosh(x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * ctx.inputs[0].cosh()


class Cosh(Function):
    """z = cosh x = (eˣ + e⁻ˣ)/2;  ∂z/∂x = sinh x"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad * np.sinh(x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * ctx.inputs[0].sinh()


class Asin(Function):
    """z = arcsin x (|x| ≤ 1);  ∂z/∂x = 1/√(1 − x²) (∞ at ±1, NaN outside, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad / np.sqrt(1 - x * x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x = ctx.inputs[0]
        return grad / (1 - x * x).sqrt()


class Acos(Function):
    """z = arccos x (|x| ≤ 1);  ∂z/∂x = −1/√(1 − x²) (−∞ at ±1, NaN outside, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return -grad / np.sqrt(1 - x * x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x = ctx.inputs[0]
        return -grad / (1 - x * x).sqrt()


class Atan(Function):
    """z = arctan x;  ∂z/∂x = 1/(1 + x²)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x = ctx.inputs[0]
        return grad / (1 + x * x)


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y) in (−π, π];
    ∂z/∂y = x/(x² + y²), ∂z/∂x = −y/(x² + y²) (NaN at the origin, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, y: Raw, x: Raw) -> Raw:
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        y, x = ctx.saved_tensors
        need_y, need_x = ctx.needs_input_grad
        scaled = grad / (x * x + y * y)
        return (scaled * x if need_y else None), (-scaled * y if need_x else None)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        y, x = ctx.inputs
        need_y, need_x = ctx.needs_input_grad
        scaled = grad / (x * x + y * y)
        return (scaled * x if need_y else None), (-scaled * y if need_x else None)
