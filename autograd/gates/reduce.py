"""Reductions over axes (numpy's `axis` and `keepdims`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.function import Context, Function, constant_like
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
        return constant_like(grad, share) * _spread_recorded(grad, ctx)
