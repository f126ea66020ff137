"""Fast array kernels the gates share, each with the threshold measured for it.

numpy's general reductions are slow on the shapes a network makes (a short last axis, many rows),
so these do the same arithmetic in fewer, bigger steps. None of them changes a result beyond
float rounding; a reader of the gates can take each as the plain numpy call its docstring names.
Thresholds were measured on this project's benchmark machine (see the README's performance notes).
"""

from __future__ import annotations

import numpy as np

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
# (below _BLAS_MIN_SIZE entries numpy's own reduction is quicker).
_BLAS_MIN_SIZE = 4096

def last_axis_sum(x: np.ndarray) -> np.ndarray:
    """Σ over the last axis, kept as a size-1 axis: a product with a vector of ones (BLAS)."""
    if x.dtype.kind != "f" or x.ndim == 0 or x.size < _BLAS_MIN_SIZE:
        return np.add.reduce(x, axis=-1, keepdims=True)   # the ufunc itself: no method wrapper
    return (x @ np.ones(x.shape[-1], dtype=x.dtype))[..., None]


# Halving beats numpy's maximum only on rows this short (measured: 16 even, 27 and up 2-4x slower).
_SHORT_ROW = 16


def last_axis_max(x: np.ndarray) -> np.ndarray:
    """max over the last axis, kept as a size-1 axis; short rows by halves compared elementwise,
    log₂ n times."""
    if x.ndim == 0 or x.size < _BLAS_MIN_SIZE or x.shape[-1] > _SHORT_ROW:
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
    """Σ over every axis but the channel axis 1 of x (N, C) or (N, C, *S), kept as size-1 axes
    (numpy's own multi-axis sum is slow here)."""
    sums = leading_sum(x.reshape(x.shape[0], -1))
    if x.ndim >= 3:
        sums = last_axis_sum(sums.reshape(x.shape[1], -1))
    return sums.reshape((1, -1) + (1,) * (x.ndim - 2))


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}   # by item size


def first_out_of_range(indices: np.ndarray, size: int) -> int | None:
    """An entry of the integer array `indices` outside [0, size), or None if all fit.

    Seen as unsigned, a negative index is huge: one maximum checks both ends.
    """
    if not indices.size or np.maximum.reduce(indices.view(_UNSIGNED[indices.dtype.itemsize]),
                                             axis=None) < size:
        return None
    return int(indices[(indices < 0) | (indices >= size)].flat[0])


def logistic(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ), from e = e^{−|x|} as 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0: it
    never overflows and keeps its relative precision in both tails."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)
