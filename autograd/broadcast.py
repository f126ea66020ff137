"""Two array helpers the gates share: undoing broadcasting, and summing rows by index."""

from __future__ import annotations

import numpy as np


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...], where: str = "backward") -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, giving an array of `shape`.

    If y = broadcast(x), each x element fed every y element it was copied to, so dL/dx is the sum
    of dL/dy over those copies.
    """
    if grad.shape == shape:
        return grad
    if grad.ndim >= 2 and grad.shape[-1:] == shape and grad.dtype.kind == "f":
        return leading_sum(grad)   # a bias: sum the rows
    extra = grad.ndim - len(shape)
    fits = extra >= 0 and all(
        n == g or n == 1 for n, g in zip(shape, grad.shape[extra:])
    )
    if not fits:
        raise ValueError(
            f"{where}: a gradient of shape {grad.shape} cannot be summed to the input's shape "
            f"{shape}"
        )
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    summed = grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True)
    return summed.reshape(shape)


def normalize_axes(axis: int | tuple[int, ...] | None, ndim: int, where: str) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative axes (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    result = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{where}: axis {a} is out of range for an array of {ndim} dimensions")
        result.append(int(a) % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"{where}: repeated axis in {axis}")
    return tuple(sorted(result))


# Below this many one-hot entries a matmul beats sorting; both avoid the slow np.add.at.
_ONE_HOT_LIMIT = 1 << 20


def scatter_add_rows(index: np.ndarray, rows: np.ndarray, num_rows: int) -> np.ndarray:
    """out[i] = Σ_{k: index[k] = i} rows[k]: the gradient of a row gather `out = table[index]`.

    `index` has shape (M,), `rows` shape (M, D); repeated indices accumulate.
    """
    index = index.reshape(-1)
    rows = rows.reshape(index.shape[0], -1)
    if index.size * num_rows <= _ONE_HOT_LIMIT:
        one_hot = (index[:, None] == np.arange(num_rows)).astype(rows.dtype)
        return one_hot.T @ rows
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    starts = np.flatnonzero(np.r_[True, sorted_index[1:] != sorted_index[:-1]])
    out = np.zeros((num_rows, rows.shape[1]), dtype=rows.dtype)
    out[sorted_index[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return out


# numpy reduces a short last axis row by row, slowly; these do the same work in few big steps
# (below _FEW entries numpy's own reduction is quicker).
_FEW = 4096

def last_axis_sum(x: np.ndarray) -> np.ndarray:
    """Σ over the last axis, kept as a size-1 axis: a product with a vector of ones (BLAS)."""
    if x.dtype.kind != "f" or x.ndim == 0 or x.size < _FEW:
        return np.add.reduce(x, axis=-1, keepdims=True)   # the ufunc itself: no method wrapper
    return (x @ np.ones(x.shape[-1], dtype=x.dtype))[..., None]


# Halving beats numpy's maximum only on rows this short (measured: 16 even, 27 and up 2-4x slower).
_SHORT_ROW = 16


def last_axis_max(x: np.ndarray) -> np.ndarray:
    """max over the last axis, kept as a size-1 axis; short rows by halves compared elementwise,
    log₂ n times."""
    if x.ndim == 0 or x.size < _FEW or x.shape[-1] > _SHORT_ROW:
        return np.maximum.reduce(x, axis=-1, keepdims=True)
    while x.shape[-1] > 1:
        half = x.shape[-1] // 2
        top = np.maximum(x[..., :half], x[..., half:2 * half])
        x = np.concatenate([top, x[..., 2 * half:]], axis=-1) if x.shape[-1] % 2 else top
    return x if x.ndim else x.reshape(1)


def leading_sum(x: np.ndarray) -> np.ndarray:
    """Σ over every axis but the last of a float array, (…, n) → (n,): one vector-matrix product
    (BLAS), 1.5-3x quicker than numpy's sum over the leading axes."""
    rows = x.reshape(-1, x.shape[-1])
    return np.ones(rows.shape[0], dtype=x.dtype) @ rows


def channel_sum(x: np.ndarray) -> np.ndarray:
    """Σ over every axis but the channel axis 1 of x (N, C) or (N, C, L), kept as size-1 axes
    (numpy's own multi-axis sum is slow here)."""
    sums = leading_sum(x.reshape(x.shape[0], -1))
    if x.ndim == 3:
        sums = last_axis_sum(sums.reshape(x.shape[1], x.shape[2]))
    return sums.reshape((1, -1) + (1,) * (x.ndim - 2))
