"""Gates that rearrange numbers without changing them: reshape, transpose, concat, stack.

Each backward rearranges the gradient back the way the numbers came."""

from __future__ import annotations

import numpy as np

from autograd.core.function import Context, Function


class Reshape(Function):
    """z = x viewed with a new shape;  ∂L/∂x = ∂L/∂z in x's shape"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.reshape(x, shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} entries) to "
                             f"{tuple(shape)}") from None

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return np.reshape(grad, ctx.shape)


class Transpose(Function):
    """z = x with its axes permuted;  ∂L/∂x = ∂L/∂z with the inverse permutation"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
        axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
        if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} axes")
        ctx.inverse = tuple(np.argsort([a % x.ndim for a in axes]))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return np.transpose(grad, ctx.inverse)


class Concat(Function):
    """z = [x₁, x₂, …] joined along an axis;  ∂L/∂xₖ = the slice of ∂L/∂z that xₖ filled"""

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.axis = axis
        ctx.ends = np.cumsum([x.shape[axis] for x in xs])[:-1]
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError as error:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"concat along axis {axis}: shapes {shapes}: {error}") from None

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, ctx.ends, axis=ctx.axis))


class Stack(Function):
    """z = [x₁, x₂, …] stacked along a new axis;  ∂L/∂xₖ = ∂L/∂z[…, k, …]"""

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        try:
            z = np.stack(xs, axis=axis)
        except ValueError as error:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"stack: shapes {shapes}: {error}") from None
        ctx.axis = axis % z.ndim
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(grad, ctx.axis, 0))
