"""Scans: running sums and running products along one axis (PyTorch's cumsum and cumprod)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.function import Context, Function
from autograd.gates.indexing import Index
from autograd.gates.shape import Stack


def _axis(x: Any, axis: int, where: str) -> int:
    """`axis` as a non-negative axis of x (a 0-d x scans its single entry along axis 0 or −1,
    as PyTorch)."""
    return normalize_axes(axis, max(x.ndim, 1), where)[0]


def _reversed(x: Any, axis: int) -> Any:
    """x with its entries along `axis` in reverse order, recorded (an Index gate)."""
    return Index.apply(x, (*(slice(None),) * axis, slice(None, None, -1)))


class Cumsum(Function):
    """zᵢ = Σ_{j≤i} xⱼ along the axis;  ∂L/∂xᵢ = Σ_{j≥i} ∂L/∂zⱼ (the running sum taken from
    the other end)"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = _axis(x, axis, "cumsum")
        return np.cumsum(np.atleast_1d(x), axis=ctx.axis).reshape(x.shape)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        if grad.ndim == 0:
            return grad
        return np.flip(np.cumsum(np.flip(grad, ctx.axis), axis=ctx.axis), ctx.axis)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        if grad.ndim == 0:
            return grad
        return _reversed(Cumsum.apply(_reversed(grad, ctx.axis), ctx.axis), ctx.axis)


class Cumprod(Function):
    """zᵢ = Π_{j≤i} xⱼ along the axis;  ∂L/∂xᵢ = Σ_{j≥i} ∂L/∂zⱼ · Π_{k≤j, k≠i} xₖ

    Exact where entries are 0 (never zⱼ/xᵢ): with pᵢ = Π_{k<i} xₖ and sᵢ = gᵢ + xᵢ₊₁·sᵢ₊₁
    (from the last entry back, g = ∂L/∂z), ∂L/∂xᵢ = pᵢ·sᵢ."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = _axis(x, axis, "cumprod")
        ctx.save_for_backward(x)
        return np.cumprod(np.atleast_1d(x), axis=ctx.axis).reshape(x.shape)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (x,) = ctx.saved_tensors
        if x.ndim == 0 or x.shape[ctx.axis] == 0:
            return grad
        xs, gs = np.moveaxis(x, ctx.axis, 0), np.moveaxis(grad, ctx.axis, 0)
        before = np.ones_like(xs)
        np.cumprod(xs[:-1], axis=0, out=before[1:])
        running = np.empty_like(gs)
        running[-1] = gs[-1]
        for i in range(len(xs) - 2, -1, -1):
            running[i] = gs[i] + xs[i + 1] * running[i + 1]
        return np.moveaxis(before * running, 0, ctx.axis)

    @staticmethod
    def composition(x: Any, axis: int) -> Any:
        """The running products as a chain of multiplications, stacked: exact at zeros."""
        at = _axis(x, axis, "cumprod")
        if x.ndim == 0 or x.shape[at] == 0:
            return x * 1.0
        before = (slice(None),) * at
        running = [x[before + (0,)]]  # noqa: RUF005 (mypy: py3.10)
        for i in range(1, x.shape[at]):
            running.append(running[-1] * x[before + (i,)])  # noqa: RUF005 (mypy: py3.10)
        return Stack.apply(*running, axis=at)
