"""Pooling over 2-D windows: the maximum or the mean of each window, per channel.

Both lay out the windows as the convolutions do (`conv.windows`) and send gradients back with
the same scatter (`conv.add_windows`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd.core.function import Context, Function
from autograd.gates.conv import (
    Sizes,
    add_windows,
    crop_spatial,
    pad_spatial,
    recorded_pad,
    recorded_windows,
    windows,
)
from autograd.gates.indexing import Index


def _check(x: np.ndarray, sizes: Sizes, strides: Sizes, paddings: Sizes, dilations: Sizes,
           name: str) -> None:
    """Shapes and settings, checked before anything is allocated (PyTorch's rules)."""
    if x.ndim != 4:
        raise ValueError(f"{name}: input must be (N, C, H, W), got shape {x.shape}")
    if min(sizes) < 1 or min(strides) < 1 or min(dilations) < 1 or min(paddings) < 0:
        raise ValueError(f"{name}: kernel_size {sizes}, stride {strides} and dilation "
                         f"{dilations} must be ≥ 1, padding {paddings} ≥ 0")
    spans = tuple(d * (k - 1) + 1 for k, d in zip(sizes, dilations))
    if any(2 * p > span for p, span in zip(paddings, spans)):
        raise ValueError(f"{name}: padding {paddings} must be at most half of the window's span "
                         f"{spans}")
    if any(s + 2 * p < span for s, p, span in zip(x.shape[2:], paddings, spans)):
        raise ValueError(f"{name}: input size {x.shape[2:]} (+2·{paddings} padding) is smaller "
                         f"than the window's span {spans}")


def _padded(shape: Sizes, paddings: Sizes) -> Sizes:
    return (*shape[:2], *(s + 2 * p for s, p in zip(shape[2:], paddings)))


def _winners(x: np.ndarray, sizes: Sizes, strides: Sizes, paddings: Sizes,
             dilations: Sizes) -> tuple[np.ndarray, np.ndarray]:
    """Each window's maximum, and which of its K_h·K_w taps holds it (the first of tied
    entries, as in PyTorch)."""
    cols = windows(pad_spatial(x, paddings, -np.inf), sizes, strides, dilations)
    flat = cols.reshape(*cols.shape[:4], -1)                     # (N, C, OH, OW, KH·KW)
    winner = np.argmax(flat, axis=-1)
    return np.take_along_axis(flat, winner[..., None], axis=-1)[..., 0], winner


def _positions(winner: np.ndarray, sizes: Sizes, strides: Sizes,
               dilations: Sizes) -> tuple[np.ndarray, ...]:
    """Where in the padded x each window's winning tap stands: index arrays for x[…]."""
    n, c, out_h, out_w = winner.shape
    tap_h, tap_w = np.divmod(winner, sizes[1])
    rows = np.arange(out_h)[:, None] * strides[0] + tap_h * dilations[0]
    cols = np.arange(out_w)[None, :] * strides[1] + tap_w * dilations[1]
    return np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols


class MaxPool2d(Function):
    """z[n, c, i, j] = max over the window (p, q) of x[n, c, i·s_h + p·d_h − pad_h,
    j·s_w + q·d_w − pad_w] (padding counts as −∞);  ∂z/∂x = 1 at the window's maximum (the
    first one where entries tie, as PyTorch), 0 elsewhere"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, kernel_size: Sizes, stride: Sizes,
                padding: Sizes = (0, 0), dilation: Sizes = (1, 1)) -> np.ndarray:
        _check(x, kernel_size, stride, padding, dilation, "max_pool2d")
        z, winner = _winners(x, kernel_size, stride, padding, dilation)
        ctx.geometry = (x.shape, kernel_size, stride, padding, dilation)
        ctx.save_for_backward(winner)
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (winner,) = ctx.saved_tensors
        shape, sizes, strides, paddings, dilations = ctx.geometry
        taps = np.arange(math.prod(sizes)) == winner[..., None]     # one-hot (…, KH·KW)
        cols = (taps * grad[..., None]).reshape(*grad.shape, *sizes)
        return crop_spatial(add_windows(cols, _padded(shape, paddings), strides, dilations),
                            paddings)

    @staticmethod
    def composition(x: Any, kernel_size: Sizes, stride: Sizes, padding: Sizes = (0, 0),
                    dilation: Sizes = (1, 1)) -> Any:
        """The winners picked from x, padded with −∞, by an Index gate (which entry wins is a
        constant; a window that reads only padding gives −∞, with no gradient)."""
        _, winner = _winners(x.data, kernel_size, stride, padding, dilation)
        return Index.apply(recorded_pad(x, padding, -np.inf),
                           _positions(winner, kernel_size, stride, dilation))


class AvgPool2d(Function):
    """z[n, c, i, j] = (1/(K_h·K_w)) Σ over the window (p, q) of x[n, c, i·s_h + p − pad_h,
    j·s_w + q − pad_w] (padding counts as 0, and in the count: PyTorch's default
    count_include_pad=True);  ∂z/∂x = 1/(K_h·K_w) for each window that reads x"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, kernel_size: Sizes, stride: Sizes,
                padding: Sizes = (0, 0)) -> np.ndarray:
        _check(x, kernel_size, stride, padding, (1, 1), "avg_pool2d")
        cols = windows(pad_spatial(x, padding), kernel_size, stride, (1, 1))
        ctx.geometry = (x.shape, kernel_size, stride, padding)
        return cols.mean(axis=(-2, -1))

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        shape, sizes, strides, paddings = ctx.geometry
        share = grad / math.prod(sizes)
        cols = np.broadcast_to(share[..., None, None], (*grad.shape, *sizes))
        return crop_spatial(add_windows(cols, _padded(shape, paddings), strides, (1, 1)), paddings)

    @staticmethod
    def composition(x: Any, kernel_size: Sizes, stride: Sizes, padding: Sizes = (0, 0)) -> Any:
        return recorded_windows(x, kernel_size, stride, padding, (1, 1)).mean(axis=(-2, -1))

