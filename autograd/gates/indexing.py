"""Gates that read entries by position: indexing, embedding rows, and `where`'s choice.

Each backward sends a gradient back to the entries that were read, summed where an entry was read
more than once (a scatter-add)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like, times_constant
from autograd.core.kernels import first_out_of_range, scatter_add_rows


def _is_basic(index: Any) -> bool:
    """True for indices made of ints, slices, None and Ellipsis (each element picked at most once)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


def _placed(grad: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
    """An array of `shape`, zero except where x[index] read it: there, `grad`, summed where an
    entry was read more than once (a scatter-add)."""
    if isinstance(index, np.ndarray) and index.dtype.kind in "iu":
        # one integer array on the first axis: a row gather (embeddings, batches)
        rows = np.reshape(grad, (index.size, -1))
        flat_index = index.reshape(-1) % shape[0]
        return scatter_add_rows(flat_index, rows, shape[0]).reshape(shape)
    out = np.zeros(shape, dtype=grad.dtype)
    if _is_basic(index):
        out[index] = grad
    else:
        np.add.at(out, index, grad)
    return out


class Index(Function):
    """z = x[index];  ∂L/∂x = ∂L/∂z placed back where it was read, summed where read twice"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: Any) -> np.ndarray:
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as error:
            raise IndexError(f"index: {error} (array of shape {x.shape})") from None

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return _placed(grad, ctx.shape, ctx.index)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return IndexAdd.apply(grad, ctx.shape, ctx.index)


class Embedding(Function):
    """z = W[indices] (rows of the table);  ∂L/∂W[i] = Σ of ∂L/∂z over the positions reading row i"""

    @staticmethod
    def forward(ctx: Context, weight: np.ndarray, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"embedding: indices must be integers, got {indices.dtype}")
        bad = first_out_of_range(indices, weight.shape[0])
        if bad is not None:
            raise IndexError(f"embedding: index {bad} is out of range for a table of "
                             f"{weight.shape[0]} rows")
        ctx.shape = weight.shape
        ctx.save_for_backward(indices)
        return weight.take(indices, axis=0)   # as weight[indices], with less overhead

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None]:
        (indices,) = ctx.saved_tensors
        rows = grad.reshape(indices.size, -1)
        return scatter_add_rows(indices, rows, ctx.shape[0]).reshape(ctx.shape), None

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (indices,) = ctx.saved_tensors
        return IndexAdd.apply(grad, ctx.shape, indices), None


class Where(Function):
    """z = a where condition else b;  ∂z/∂a = condition, ∂z/∂b = not condition"""

    elementwise = True

    @staticmethod
    def forward(ctx: Context, condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[None, np.ndarray | None, np.ndarray | None]:
        (condition,) = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), dtype=np.result_type(grad))   # a float for a Scalar
        return (None, np.where(condition, grad, zero) if need_a else None,
                np.where(condition, zero, grad) if need_b else None)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        (condition,) = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        zero = constant_like(grad, np.zeros((), dtype=np.result_type(grad.data)))
        return (None, Where.apply(condition, grad, zero) if need_a else None,
                Where.apply(condition, zero, grad) if need_b else None)


class IndexAdd(Function):
    """z = zeros(shape) with x added at [index] (Index's backward, as a gate);  ∂L/∂x = ∂L/∂z[index]

    The gradient of an index is a scatter, and the gradient of a scatter is an index again, so
    the pair serves gradients of any order."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...], index: Any) -> np.ndarray:
        ctx.index = index
        return _placed(x, shape, index)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        return grad[ctx.index]

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return Index.apply(grad, ctx.index)


class SetItem(Function):
    """z = x with z[index] = v (v broadcast to the slots it fills);
    ∂L/∂x = ∂L/∂z with 0 at index (those entries were overwritten), ∂L/∂v = ∂L/∂z[index]"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: Any, v: np.ndarray) -> np.ndarray:
        z = np.array(x, copy=True)
        try:
            z[index] = v
        except (IndexError, ValueError) as error:
            raise type(error)(f"setitem: {error} (tensor of shape {x.shape}, value of shape "
                              f"{np.shape(v)})") from None
        ctx.index = index
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None, np.ndarray]:
        kept = np.array(grad, copy=True)
        kept[ctx.index] = 0
        return kept, None, grad[ctx.index]

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        kept = np.ones(grad.shape, dtype=grad.data.dtype)
        kept[ctx.index] = 0
        return times_constant(grad, kept), None, Index.apply(grad, ctx.index)
