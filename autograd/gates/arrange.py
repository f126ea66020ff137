"""Gates that move entries to other places: flip, roll and pad.

Each is its own backward with the move undone — a flip flipped again, a roll rolled back, a pad
with its widths negated (which cuts the padding off) — so the same gate serves gradients of
any order."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.function import Context, Function

Widths = tuple[tuple[int, int], ...]


class Flip(Function):
    """z = x with the order of its entries reversed along `dims`: z[i] = x[n − 1 − i];
    ∂L/∂x = ∂L/∂z flipped back along the same dims"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = normalize_axes(dims, x.ndim, "flip")
        return np.flip(x, ctx.dims).copy()   # its own memory, as PyTorch's flip

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return np.flip(grad, ctx.dims)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Flip.apply(grad, ctx.dims)


class Roll(Function):
    """z = x shifted cyclically by `shifts` along `dims` (the flattened x when dims is None):
    z[(i + s) mod n] = x[i];  ∂L/∂x = ∂L/∂z rolled back by −s"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shifts: tuple[int, ...],
                dims: tuple[int, ...] | None) -> np.ndarray:
        if dims is not None:
            dims = tuple(normalize_axes(d, x.ndim, "roll")[0] for d in dims)
            if len(dims) != len(shifts):
                raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
        elif len(shifts) != 1:
            raise ValueError(f"roll: without dims, one shift (of the flattened tensor), got "
                             f"{len(shifts)}")
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts if dims is not None else shifts[0], dims)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        back = tuple(-s for s in ctx.shifts)
        return np.roll(grad, back if ctx.dims is not None else back[0], ctx.dims)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.dims)


def pad_widths(pad: Any, ndim: int) -> Widths:
    """PyTorch's `pad` (before, after pairs from the last axis backwards) as one (before, after)
    pair per axis, first axis first."""
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) > 2 * ndim or \
            not all(isinstance(p, (int, np.integer)) for p in pad):
        raise ValueError(f"pad: pad must be an even number of ints, at most 2 per dimension "
                         f"({2 * ndim} here), got {pad}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]
    return tuple([(0, 0)] * (ndim - len(pairs)) + pairs[::-1])


def padded(x: np.ndarray, widths: Widths, value: float) -> np.ndarray:
    """x with `value` added around it, per axis (before, after); a negative width cuts instead."""
    cut = tuple(slice(max(-before, 0), n - max(-after, 0))
                for n, (before, after) in zip(x.shape, widths))
    if any(piece.start > piece.stop for piece in cut):
        raise ValueError(f"pad: widths {widths} cut more than the {x.shape} entries there are")
    added = [(max(before, 0), max(after, 0)) for before, after in widths]
    return np.pad(x[cut], added, constant_values=value)


class Pad(Function):
    """z = x with `value` added around it (widths per axis; a negative width cuts);
    ∂L/∂x = ∂L/∂z with the added entries cut off (and 0 where x was cut): Pad with −widths"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, widths: Widths, value: float = 0.0) -> np.ndarray:
        ctx.widths = widths
        return padded(x, widths, value)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return padded(grad, tuple((-b, -a) for b, a in ctx.widths), 0.0)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Pad.apply(grad, tuple((-b, -a) for b, a in ctx.widths), 0.0)
