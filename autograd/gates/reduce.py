"""Reductions over axes (numpy's `axis` and `keepdims`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.function import Context, Function, constant_like, times_constant
from autograd.gates.indexing import Where
from autograd.gates.shape import BroadcastTo, Reshape

Axis = int | tuple[int, ...] | None


def _spread(grad: np.ndarray, ctx: Context) -> np.ndarray:
    """Give a reduced gradient back its reduced axes (as size 1), ready to broadcast."""
    return grad if ctx.keepdims else np.expand_dims(grad, ctx.axes)


def _spread_recorded(grad: Any, ctx: Context) -> Any:
    """`_spread`, recorded."""
    if ctx.keepdims:
        return grad
    return Reshape.apply(grad, tuple(1 if a in ctx.axes else n for a, n in enumerate(ctx.shape)))


class Sum(Function):
    """z = Σᵢ xᵢ over the axes;  ∂z/∂xᵢ = 1, so each x receives the upstream gradient"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        ctx.axes = normalize_axes(axis, x.ndim, "sum")
        ctx.keepdims, ctx.shape = keepdims, x.shape
        return np.sum(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return np.broadcast_to(_spread(grad, ctx), ctx.shape)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return BroadcastTo.apply(_spread_recorded(grad, ctx), ctx.shape)


class Mean(Function):
    """z = (1/n) Σᵢ xᵢ over the axes;  ∂z/∂xᵢ = 1/n"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        ctx.axes = normalize_axes(axis, x.ndim, "mean")
        ctx.keepdims, ctx.shape = keepdims, x.shape
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        # a Python int keeps float32 as float32
        return np.broadcast_to(_spread(grad, ctx) / ctx.count, ctx.shape)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return BroadcastTo.apply(_spread_recorded(grad, ctx), ctx.shape) / ctx.count


class Max(Function):
    """z = maxᵢ xᵢ over the axes;  ∂z/∂xᵢ = 1/k at the k positions holding the maximum, else 0

    Ties share the gradient equally (a valid subgradient, symmetric in the tied entries).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        ctx.axes = normalize_axes(axis, x.ndim, "max")
        if x.size == 0:
            raise ValueError(f"max: cannot reduce an empty array of shape {x.shape}")
        ctx.keepdims, ctx.shape = keepdims, x.shape
        z = np.max(x, axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(x, z)
        return z if keepdims else np.squeeze(z, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        x, z = ctx.saved_tensors
        winners = x == z
        share = winners / winners.sum(axis=ctx.axes, keepdims=True).astype(x.dtype)
        return share * _spread(grad, ctx)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        x, z = ctx.saved_tensors
        winners = x == z
        share = winners / winners.sum(axis=ctx.axes, keepdims=True).astype(x.dtype)
        return times_constant(_spread_recorded(grad, ctx), share)


def _exclusive_products(x: np.ndarray, axis: int) -> np.ndarray:
    """Πⱼ≠ᵢ xⱼ along `axis` for every i, as (product of those before) × (product of those after):
    exact where some xⱼ = 0, unlike z / xᵢ."""
    ones = np.ones_like(np.take(x, [0], axis=axis))
    before = np.cumprod(np.concatenate([ones, np.take(x, range(x.shape[axis] - 1), axis=axis)],
                                       axis=axis), axis=axis)
    flipped = np.flip(x, axis=axis)
    after = np.cumprod(np.concatenate([ones, np.take(flipped, range(x.shape[axis] - 1),
                                                     axis=axis)], axis=axis), axis=axis)
    return before * np.flip(after, axis=axis)


class Prod(Function):
    """z = Πᵢ xᵢ along one axis (all entries for None);  ∂z/∂xᵢ = Πⱼ≠ᵢ xⱼ (exact when some
    xⱼ = 0: computed from the products before and after i, never as z/xᵢ)"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int | None = None,
                keepdims: bool = False) -> np.ndarray:
        ctx.axes = normalize_axes(axis, x.ndim, "prod")
        if len(ctx.axes) not in (1, x.ndim):
            raise ValueError(f"prod: over one axis or all of them, not {axis}")
        ctx.keepdims, ctx.shape = keepdims, x.shape
        ctx.save_for_backward(x)
        return np.prod(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        chain = x if len(ctx.axes) == 1 else x.reshape(-1)
        others = _exclusive_products(chain, ctx.axes[0] if len(ctx.axes) == 1 else 0)
        return others.reshape(x.shape) * _spread(grad, ctx)

    @staticmethod
    def composition(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
        """The product as a chain of multiplications, x₀·x₁·…, which differentiates exactly."""
        axes = normalize_axes(axis, x.ndim, "prod")
        at = axes[0] if len(axes) == 1 else 0
        chain = x if len(axes) == 1 else x.reshape(-1)
        before = (slice(None),) * at
        entries = [chain[before + (i,)] for i in range(chain.shape[at])]  # noqa: RUF005 (mypy: py3.10)
        total = entries[0]
        for entry in entries[1:]:
            total = total * entry
        kept = tuple(1 if a in axes else n for a, n in enumerate(x.shape))
        return total.reshape(kept) if keepdims else total


class Norm(Function):
    """z = ‖x‖₂ = √(Σᵢ xᵢ²) over the axes;  ∂z/∂xᵢ = xᵢ / z (0 where z = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
        ctx.axes = normalize_axes(axis, x.ndim, "norm")
        ctx.keepdims, ctx.shape = keepdims, x.shape
        z = np.sqrt(np.sum(x * x, axis=ctx.axes, keepdims=True))
        ctx.save_for_backward(x, z)
        return z if keepdims else np.squeeze(z, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        x, z = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(z == 0, 0, x / z) * _spread(grad, ctx)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (x,) = ctx.inputs
        _, z = ctx.saved_tensors
        zero = z == 0
        safe = _spread_recorded(out, ctx)
        if zero.any():   # 1 stands in for a zero norm, whose gradient is 0 (no 0/0 anywhere)
            safe = Where.apply(zero, constant_like(x, np.ones_like(z)), safe)
        return times_constant(x / safe, ~zero) * _spread_recorded(grad, ctx)
