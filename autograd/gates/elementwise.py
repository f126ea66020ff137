"""Elementwise gates. They serve Scalars (floats) and Tensors (arrays) alike; for tensors the
engine sums each gradient back over broadcast axes, so these rules are written per element."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like, times_constant
from autograd.core.kernels import logistic
from autograd.gates.indexing import Where

Raw = Any  # a float (Scalar) or an ndarray (Tensor)


def _like(result: Any, grad: Raw) -> Any:
    """`result` as the kind of value `grad` is: a float for a Scalar's gradient."""
    return float(result) if result is not None and isinstance(grad, float) else result


def _one_where(x: Any, replace: Any) -> Any:
    """x with 1 where `replace` is true (recorded; x itself when nothing is replaced)."""
    if not np.any(replace):
        return x
    return Where.apply(np.asarray(replace), constant_like(x, np.ones_like(x.data)), x)


class Add(Function):
    """z = x + y;  ∂z/∂x = 1, ∂z/∂y = 1"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        return x + y

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        return grad, grad

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad, grad


class Subtract(Function):
    """z = x − y;  ∂z/∂x = 1, ∂z/∂y = −1"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        return x - y

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        return grad, -grad

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad, -grad


class Negate(Function):
    """z = −x;  ∂z/∂x = −1"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        return -x

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        return -grad

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return -grad


class Multiply(Function):
    """z = x·y;  ∂z/∂x = y, ∂z/∂y = x"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x, y = ctx.inputs
        need_x, need_y = ctx.needs_input_grad
        return (grad * y if need_x else None), (grad * x if need_y else None)


class Divide(Function):
    """z = x / y;  ∂z/∂x = 1/y, ∂z/∂y = −x/y² = −z/y"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        z = x / y
        ctx.save_for_backward(y, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        y, z = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (grad / y if need_x else None), (-grad * z / y if need_y else None)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        _, y = ctx.inputs
        need_x, need_y = ctx.needs_input_grad
        return (grad / y if need_x else None), (-grad * out / y if need_y else None)


class Power(Function):
    """z = xʸ;  ∂z/∂x = y·xʸ⁻¹, ∂z/∂y = xʸ·ln x

    At x = 0, PyTorch's conventions: ∂z/∂x = 0 where y = 0 (the limit of y·xʸ⁻¹ along y), and
    ∂z/∂y = 0 where y ≥ 0 (xʸ·ln x → 0, instead of 0·(−∞) = NaN)."""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        z = np.power(x, y)
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        x, y, z = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):   # the masked entries below
            grad_x = grad * np.where(y == 0, 0.0, y * np.power(x, y - 1)) if need_x else None
            grad_y = grad * np.where((x == 0) & (y >= 0), 0.0, z * np.log(x)) if need_y else None
        return _like(grad_x, grad), _like(grad_y, grad)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x, y = ctx.inputs
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        if need_x:   # x replaced by 1 where x = y = 0, so that 0⁻¹ = ∞ cannot reach a product
            grad_x = grad * y * _one_where(x, (x.data == 0) & (y.data == 0)) ** (y - 1)
        if need_y:   # ln 1 = 0 stands in for 0·ln 0, which would be NaN
            grad_y = grad * out * _one_where(x, (x.data == 0) & (y.data >= 0)).log()
        return grad_x, grad_y


class Exp(Function):
    """z = eˣ;  ∂z/∂x = eˣ = z"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z = np.exp(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad * z

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * out


class Log(Function):
    """z = ln x;  ∂z/∂x = 1/x"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad / x

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad / ctx.inputs[0]


class Sqrt(Function):
    """z = √x;  ∂z/∂x = 1/(2√x) = 1/(2z)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z = np.sqrt(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad / (2 * z)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad / (2 * out)


class Tanh(Function):
    """z = tanh x;  ∂z/∂x = 1 − z²"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z = np.tanh(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad * (1 - z * z)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * (1 - out * out)


class Sigmoid(Function):
    """z = σ(x) = 1/(1 + e⁻ˣ);  ∂z/∂x = σ(x)(1 − σ(x)) = z(1 − z)

    Computed from e = e^{−|x|} as 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0: the same
    function, which never overflows and keeps its relative precision in both tails
    (σ(−100) = 3.72e−44 in float64, where 1 − σ(100) would round to 0).
    """

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z: Raw
        if isinstance(x, float):   # a Scalar
            e = math.exp(-abs(x))
            z = (1.0 if x >= 0 else e) / (1.0 + e)
        else:
            z = logistic(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad * z * (1 - z)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * out * (1 - out)


class Relu(Function):
    """z = max(x, 0);  ∂z/∂x = 1 if x > 0 else 0 (0 at the kink, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.maximum(x, 0) if isinstance(x, np.ndarray) else max(x, 0.0)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad * (x > 0)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return times_constant(grad, ctx.inputs[0].data > 0)


class Cast(Function):
    """z = x converted to another float dtype;  ∂z/∂x = 1 (the gradient is cast back)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.input_dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return grad.astype(ctx.input_dtype)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Cast.apply(grad, ctx.input_dtype)


class Abs(Function):
    """z = |x|;  ∂z/∂x = sign(x) (0 at x = 0, as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad * np.sign(x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return times_constant(grad, np.sign(ctx.inputs[0].data))


class Sin(Function):
    """z = sin x;  ∂z/∂x = cos x"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * ctx.inputs[0].cos()


class Cos(Function):
    """z = cos x;  ∂z/∂x = −sin x"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return -grad * np.sin(x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return -grad * ctx.inputs[0].sin()


class Log1p(Function):
    """z = ln(1 + x), exact for small x;  ∂z/∂x = 1/(1 + x)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad / (1 + x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad / (1 + ctx.inputs[0])


class Expm1(Function):
    """z = eˣ − 1, exact for small x;  ∂z/∂x = eˣ = z + 1"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        z = np.expm1(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (z,) = ctx.saved_tensors
        return grad * (z + 1)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad * (out + 1)


class Clamp(Function):
    """z = min(max(x, low), high);  ∂z/∂x = 1 where low ≤ x ≤ high, else 0 (the bounds
    included, as PyTorch; either bound may be None)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, low: float | None = None, high: float | None = None) -> Raw:
        inside = np.ones(np.shape(x), dtype=bool)
        if low is not None:
            inside &= np.asarray(x) >= low
        if high is not None:
            inside &= np.asarray(x) <= high
        ctx.save_for_backward(inside)
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (inside,) = ctx.saved_tensors
        return _like(np.where(inside, grad, 0 * grad), grad)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (inside,) = ctx.saved_tensors
        return times_constant(grad, inside)


def _split(grad: Raw, first: Any, tie: Any) -> tuple[Raw, Raw]:
    """The gradient of a choice between two inputs: all of it to the chosen one, half to each
    where they tie."""
    share = np.where(first, 1.0, np.where(tie, 0.5, 0.0)).astype(np.result_type(grad))
    return _like(grad * share, grad), _like(grad * (1 - share), grad)


def _split_recorded(grad: Any, first: Any, tie: Any) -> tuple[Any, Any]:
    """`_split` with recorded products (the shares are constants)."""
    share = np.where(first, 1.0, np.where(tie, 0.5, 0.0))
    return times_constant(grad, share), times_constant(grad, 1 - share)


class Maximum(Function):
    """z = max(x, y) entry by entry;  ∂z/∂x = 1 where x > y, ∂z/∂y = 1 where y > x, and ½ to
    each where they tie (as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        ctx.save_for_backward(x, y)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        x, y = ctx.saved_tensors
        return _split(grad, x > y, x == y)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x, y = ctx.inputs
        return _split_recorded(grad, x.data > y.data, x.data == y.data)


class Minimum(Function):
    """z = min(x, y) entry by entry;  ∂z/∂x = 1 where x < y, ∂z/∂y = 1 where y < x, and ½ to
    each where they tie (as PyTorch)"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw, y: Raw) -> Raw:
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> tuple[Raw, Raw]:
        x, y = ctx.saved_tensors
        return _split(grad, x < y, x == y)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x, y = ctx.inputs
        return _split_recorded(grad, x.data < y.data, x.data == y.data)


_erf = np.frompyfunc(math.erf, 1, 1)


class Erf(Function):
    """z = erf x = (2/√π) ∫₀ˣ e^{−t²} dt;  ∂z/∂x = (2/√π)·e^{−x²}"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        ctx.save_for_backward(x)
        if isinstance(x, float):
            return math.erf(x)
        return np.asarray(_erf(x), dtype=x.dtype)   # math.erf entry by entry: numpy has none

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * np.exp(-x * x)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x = ctx.inputs[0]
        return grad * (2 / math.sqrt(math.pi)) * (-x * x).exp()


class Clone(Function):
    """z = a copy of x (its own memory);  ∂z/∂x = 1"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, x: Raw) -> Raw:
        return np.array(x, copy=True) if isinstance(x, np.ndarray) else x

    @staticmethod
    def backward(ctx: Context, grad: Raw) -> Raw:
        return grad

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad

