"""Convolution in one and two dimensions, as a matrix product over the windows each output reads.

The helpers work for any number of spatial axes (L, or H and W): `windows` lays out the taps
each output position reads, `add_windows` sends gradients back to the positions they were read
from, and `recorded_windows` is `windows` with recorded gates (for second derivatives). The
pooling gates use them too.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like
from autograd.gates.indexing import Index
from autograd.gates.shape import Concat

Sizes = tuple[int, ...]
_BATCH_AND_CHANNELS = (slice(None), slice(None))   # every sample, every channel


def _spatial(parts: Any) -> tuple[Any, ...]:
    """An index that takes every sample and channel, and `parts` on the spatial axes."""
    return _BATCH_AND_CHANNELS + tuple(parts)


def output_sizes(spatial: Sizes, sizes: Sizes, strides: Sizes, dilations: Sizes) -> Sizes:
    """⌊(S − dilation·(K − 1) − 1)/stride⌋ + 1 per spatial axis (S already padded)."""
    return tuple((s - d * (k - 1) - 1) // st + 1
                 for s, k, st, d in zip(spatial, sizes, strides, dilations))


def _side_by_side(sizes: Sizes, strides: Sizes, dilations: Sizes) -> bool:
    """Windows that touch without overlap or gaps (stride = size, no dilation), as when pairs
    merge: then laying them out is a reshape."""
    return all(st == k and d == 1 for k, st, d in zip(sizes, strides, dilations))


def windows(x: np.ndarray, sizes: Sizes, strides: Sizes, dilations: Sizes) -> np.ndarray:
    """(N, C, *S) → (N, C, *S_out, *K): the taps each output position reads (a view, no copy)."""
    n, c, *spatial = x.shape
    dims = len(sizes)
    outs = output_sizes(tuple(spatial), sizes, strides, dilations)
    if _side_by_side(sizes, strides, dilations):
        trimmed = x[_spatial(slice(0, o * k) for o, k in zip(outs, sizes))]
        split = trimmed.reshape(n, c, *itertools.chain(*zip(outs, sizes)))   # (N, C, O₁, K₁, …)
        return split.transpose(0, 1, *range(2, 2 + 2 * dims, 2), *range(3, 3 + 2 * dims, 2))
    s_n, s_c, *s_spatial = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, c, *outs, *sizes),
        (s_n, s_c, *(s * st for s, st in zip(s_spatial, strides)),
         *(s * d for s, d in zip(s_spatial, dilations))),
        writeable=False)


def add_windows(cols: np.ndarray, shape: Sizes, strides: Sizes, dilations: Sizes) -> np.ndarray:
    """The inverse scatter of `windows`: an array of `shape` (N, C, *S) in which every entry of
    `cols` (N, C, *S_out, *K) is added to the position its tap read."""
    dims = len(shape) - 2
    outs, sizes = cols.shape[2:2 + dims], cols.shape[2 + dims:]
    out = np.zeros(shape, dtype=cols.dtype)
    if _side_by_side(sizes, strides, dilations):   # each position read once: a reshape back
        order = (0, 1, *itertools.chain(*((2 + i, 2 + dims + i) for i in range(dims))))
        placed = cols.transpose(order).reshape(*shape[:2], *(o * k for o, k in zip(outs, sizes)))
        out[_spatial(slice(0, n) for n in placed.shape[2:])] = placed
        return out
    for taps in itertools.product(*(range(k) for k in sizes)):
        # each tap adds its share back to the positions it read
        region = tuple(slice(t * d, t * d + st * (o - 1) + 1, st)
                       for t, d, st, o in zip(taps, dilations, strides, outs))
        out[_spatial(region)] += cols[(Ellipsis,) + taps]  # noqa: RUF005 (mypy: py3.10)
    return out


def pad_spatial(x: np.ndarray, paddings: Sizes, fill: float = 0.0) -> np.ndarray:
    """x with `paddings` entries of `fill` on both sides of each spatial axis."""
    if not any(paddings):
        return x
    return np.pad(x, ((0, 0), (0, 0), *((p, p) for p in paddings)), constant_values=fill)


def crop_spatial(x: np.ndarray, paddings: Sizes) -> np.ndarray:
    """The inverse of `pad_spatial`: the padding cut away again (a view)."""
    return x[_spatial(slice(p, x.shape[2 + i] - p) for i, p in enumerate(paddings))]


def recorded_pad(x: Any, paddings: Sizes, fill: float = 0.0) -> Any:
    """`pad_spatial`, recorded: constant sides joined to x by Concat gates."""
    for axis, p in enumerate(paddings, start=2):
        if p:
            side_shape = (*x.shape[:axis], p, *x.shape[axis + 1:])
            side = constant_like(x, np.full(side_shape, fill, dtype=x.dtype))
            x = Concat.apply(side, x, side, axis=axis)
    return x


def recorded_windows(x: Any, sizes: Sizes, strides: Sizes, paddings: Sizes,
                     dilations: Sizes) -> Any:
    """`windows` of x padded with zeros, with recorded gates (Concat and Index)."""
    x = recorded_pad(x, paddings)
    dims = len(sizes)
    outs = output_sizes(x.shape[2:], sizes, strides, dilations)
    taps = []
    for i, (o, k, st, d) in enumerate(zip(outs, sizes, strides, dilations)):
        grid = np.arange(o)[:, None] * st + np.arange(k)[None, :] * d     # (O_i, K_i)
        shape = [1] * (2 * dims)
        shape[i], shape[dims + i] = o, k
        taps.append(grid.reshape(shape))
    return Index.apply(x, _spatial(taps))                                # (N, C, *O, *K)


def _check(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, strides: Sizes,
           paddings: Sizes, dilations: Sizes, name: str, layout: tuple[str, str]) -> None:
    """Shapes and settings, checked before anything is allocated; `layout` names the spatial
    axes of the input and of the kernel (("L", "K") in 1-D)."""
    dims = len(strides)
    if x.ndim != dims + 2 or weight.ndim != dims + 2 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"{name}: input (N, C, {layout[0]}) {x.shape} and weight (C_out, C_in, "
                         f"{layout[1]}) {weight.shape} do not match")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"{name}: bias of shape {bias.shape} for {weight.shape[0]} outputs")
    if min(strides) < 1 or min(dilations) < 1 or min(paddings) < 0:
        raise ValueError(f"{name}: stride {strides} and dilation {dilations} must be ≥ 1, "
                         f"padding {paddings} ≥ 0")
    spans = tuple(d * (k - 1) + 1 for k, d in zip(weight.shape[2:], dilations))
    if any(s + 2 * p < span for s, p, span in zip(x.shape[2:], paddings, spans)):
        raise ValueError(f"{name}: input {'length' if dims == 1 else 'size'} {_shown(x.shape[2:])} "
                         f"(+2·{_shown(paddings)} padding) is shorter than the kernel's span "
                         f"{_shown(spans)}")


def _shown(sizes: Sizes) -> Any:
    """One number in 1-D, the tuple otherwise (for messages)."""
    return sizes[0] if len(sizes) == 1 else tuple(sizes)


def _convolve(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
              strides: Sizes, paddings: Sizes, dilations: Sizes) -> np.ndarray:
    """z = b + Σ w·(the window x reads), for any number of spatial axes: one matrix product."""
    dims = len(strides)
    out_ch, in_ch, *sizes = weight.shape
    cols = windows(pad_spatial(x, paddings), tuple(sizes), strides, dilations)   # (N, C, *O, *K)
    n, outs = x.shape[0], cols.shape[2:2 + dims]
    cols = cols.transpose(0, *range(2, 2 + dims), 1, *range(2 + dims, 2 + 2 * dims))
    cols = cols.reshape(n * math.prod(outs), in_ch * math.prod(sizes))
    z = (cols @ weight.reshape(out_ch, -1).T).reshape(n, *outs, out_ch)
    if bias is not None:
        z += bias
    ctx.geometry = (x.shape, strides, paddings, dilations)
    ctx.save_for_backward(cols, weight)
    return np.ascontiguousarray(np.moveaxis(z, -1, 1))


def _convolve_backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
    cols, weight = ctx.saved_tensors
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    shape, strides, paddings, dilations = ctx.geometry
    out_ch, in_ch, *sizes = weight.shape
    dims = len(sizes)
    g = np.moveaxis(grad, 1, -1).reshape(-1, out_ch)                      # (N·O, C_out)
    grad_b = np.sum(g, axis=0) if need_b else None
    grad_w = (g.T @ cols).reshape(weight.shape) if need_w else None
    grad_x = None
    if need_x:
        g_cols = (g @ weight.reshape(out_ch, -1)).reshape(
            shape[0], *grad.shape[2:], in_ch, *sizes)                      # (N, *O, C, *K)
        g_cols = np.moveaxis(g_cols, 1 + dims, 1)                           # (N, C, *O, *K)
        padded = (*shape[:2], *(s + 2 * p for s, p in zip(shape[2:], paddings)))
        grad_x = crop_spatial(add_windows(g_cols, padded, strides, dilations), paddings)
    return grad_x, grad_w, grad_b


def _convolution(x: Any, weight: Any, bias: Any, strides: Sizes, paddings: Sizes,
                 dilations: Sizes) -> Any:
    """`_convolve` with recorded gates: the composition of both convolution gates."""
    dims = len(strides)
    out_ch, in_ch, *sizes = weight.shape
    cols = recorded_windows(x, tuple(sizes), strides, paddings, dilations)   # (N, C, *O, *K)
    n, outs = x.shape[0], cols.shape[2:2 + dims]
    cols = cols.transpose(0, *range(2, 2 + dims), 1, *range(2 + dims, 2 + 2 * dims))
    cols = cols.reshape(n * math.prod(outs), in_ch * math.prod(sizes))
    z = (cols @ weight.reshape(out_ch, in_ch * math.prod(sizes)).T).reshape(n, *outs, out_ch)
    z = z if bias is None else z + bias
    return z.transpose(0, dims + 1, *range(1, dims + 1))


def pair(value: int | tuple[int, int], name: str, what: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair (PyTorch's 2-D arguments)."""
    pair_ = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair_) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair_):
        raise ValueError(f"{name}: {what} must be an int or a pair of ints, got {value!r}")
    return int(pair_[0]), int(pair_[1])


class Conv1d(Function):
    """z[n, o, l] = b[o] + Σ_c Σ_k w[o, c, k] · x[n, c, l·stride + k·dilation − padding];
    ∂L/∂w[o, c, k] = Σ_{n,l} g[n, o, l]·x[…], ∂L/∂x[…] = Σ_{o,k} g[n, o, l]·w[o, c, k]"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
        _check(x, weight, bias, (stride,), (padding,), (dilation,), "conv1d", ("L", "K"))
        return _convolve(ctx, x, weight, bias, (stride,), (padding,), (dilation,))

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return _convolve_backward(ctx, grad)

    @staticmethod
    def composition(x: Any, weight: Any, bias: Any, stride: int = 1, padding: int = 0,
                    dilation: int = 1) -> Any:
        return _convolution(x, weight, bias, (stride,), (padding,), (dilation,))


class Conv2d(Function):
    """z[n, o, i, j] = b[o] + Σ_c Σ_{p,q} w[o, c, p, q] · x[n, c, i·s_h + p·d_h − pad_h,
    j·s_w + q·d_w − pad_w];  ∂L/∂w[o, c, p, q] = Σ_{n,i,j} g[n, o, i, j]·x[…],
    ∂L/∂x[…] = Σ_{o,p,q} g[n, o, i, j]·w[o, c, p, q]  (stride, padding, dilation: pairs)"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                stride: Sizes = (1, 1), padding: Sizes = (0, 0),
                dilation: Sizes = (1, 1)) -> np.ndarray:
        _check(x, weight, bias, stride, padding, dilation, "conv2d", ("H, W", "KH, KW"))
        return _convolve(ctx, x, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return _convolve_backward(ctx, grad)

    @staticmethod
    def composition(x: Any, weight: Any, bias: Any, stride: Sizes = (1, 1),
                    padding: Sizes = (0, 0), dilation: Sizes = (1, 1)) -> Any:
        return _convolution(x, weight, bias, stride, padding, dilation)
