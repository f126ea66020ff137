"""Gates that rearrange numbers: reshape, transpose, concat, stack, and broadcasting with its
undoing (summing a gradient back to an input's shape).

Each backward rearranges the gradient back the way the numbers came."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.broadcast import sum_to_shape
from autograd.core.function import Context, Function
from autograd.gates.indexing import Index


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Reshape.apply(grad, ctx.shape)


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Transpose.apply(grad, ctx.inverse)


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        before = (slice(None),) * (ctx.axis % grad.ndim)
        starts, ends = (0, *ctx.ends), (*ctx.ends, None)
        return tuple(Index.apply(grad, (*before, slice(start, end))) for start, end in zip(starts, ends))


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        before = (slice(None),) * ctx.axis
        return tuple(Index.apply(grad, (*before, k)) for k in range(grad.shape[ctx.axis]))


class Split(Function):
    """(z₁, …, z_k) = x cut along an axis into pieces of the given sizes (a gate with several
    outputs);  ∂L/∂x = [∂L/∂z₁, …, ∂L/∂z_k] joined along that axis"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, sizes: tuple[int, ...], axis: int = 0
                ) -> tuple[np.ndarray, ...]:
        if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
            raise ValueError(f"split: axis {axis} is out of range for shape {x.shape}")
        if sum(sizes) != x.shape[axis] or min(sizes, default=0) < 1:
            raise ValueError(f"split: sizes {tuple(sizes)} do not add up to the {x.shape[axis]} "
                             f"entries along axis {axis}")
        ctx.axis = axis
        return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))

    @staticmethod
    def backward(ctx: Context, *grads: np.ndarray) -> np.ndarray:
        return np.concatenate(grads, axis=ctx.axis)

    @staticmethod
    def recorded_backward(ctx: Context, grads: Any, out: Any) -> Any:
        return Concat.apply(*grads, axis=ctx.axis)


class BroadcastTo(Function):
    """z = x copied along the broadcast axes to `shape`;  ∂L/∂x = Σ ∂L/∂z over the copies"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        try:
            return np.array(np.broadcast_to(x, shape))   # its own memory, as other results
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast {x.shape} to {tuple(shape)}") from None

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return sum_to_shape(grad, ctx.shape, "broadcast_to")

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return SumToShape.apply(grad, ctx.shape)


class SumToShape(Function):
    """z = x summed over the axes broadcasting added or stretched, leaving `shape` (how the engine
    fits a broadcast gradient to its input);  ∂L/∂x = ∂L/∂z broadcast back to x's shape"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return np.asarray(sum_to_shape(x, tuple(shape), "sum_to_shape"))

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return np.broadcast_to(grad, ctx.shape)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return BroadcastTo.apply(grad, ctx.shape)
