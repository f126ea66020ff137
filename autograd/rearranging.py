"""Tensor's PyTorch-named shape methods: flip, roll, tril, triu, diag, diagonal, trace, repeat,
tile, ravel, chunk, expand, permute, outer.

Flip and roll are gates of their own (`gates/arrange.py`); the others are compositions of
existing gates — a triangle is a `where` with a constant mask, a diagonal an index, a repeat a
reshape, a broadcast and a reshape — so their gradients, and gradients of those, come with the
gates they are made of. Arguments follow PyTorch (`dims`, `dim`, `diagonal`, `offset`); a bad
one raises a one-line error naming the operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.function import constant_like
from autograd.core.value import Value
from autograd.gates.arrange import Flip, Roll
from autograd.gates.indexing import Index, IndexAdd, Where
from autograd.gates.shape import BroadcastTo, Reshape, Transpose

if TYPE_CHECKING:
    from autograd.tensor import Tensor


def sizes_of(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """`f(2, 3)` and `f((2, 3))` alike (PyTorch's reshape, permute, repeat, … take both)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _axis(axis: Any, ndim: int, where: str) -> int:
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{where}: a dimension is an int, got {type(axis).__name__}")
    return normalize_axes(int(axis), ndim, where)[0]


def _ints(value: Any) -> tuple[Any, ...]:
    return (value,) if isinstance(value, (int, np.integer)) else tuple(value)


class Rearranging(Value):
    """The methods; `Tensor` inherits them."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: np.ndarray

        def _view(self, out: Any) -> Any: ...
        def split(self, split_size: int | list[int], axis: int = 0) -> tuple[Tensor, ...]: ...
        def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor: ...

    def flip(self, *dims: Any) -> Tensor:
        """The entries in reverse order along `dims` (a copy, as PyTorch's)."""
        if not dims:
            raise TypeError("flip: needs the dims to flip along, e.g. x.flip(0)")
        return Flip.apply(self, sizes_of(dims))

    def roll(self, shifts: int | tuple[int, ...], dims: int | tuple[int, ...] | None = None
             ) -> Tensor:
        """Entries shifted cyclically by `shifts` along `dims` (of the flattened tensor, shape
        kept, when dims is None): z[(i + s) mod n] = x[i]."""
        return Roll.apply(self, _ints(shifts), None if dims is None else _ints(dims))

    def permute(self, *dims: Any) -> Tensor:
        """The axes in the order `dims` (numpy's transpose with axes)."""
        order = sizes_of(dims)
        if len(order) != self.data.ndim:
            raise ValueError(f"permute: {len(order)} dims for a tensor of {self.data.ndim} "
                             "dimensions")
        normalize_axes(order, self.data.ndim, "permute")   # each in range, none twice
        return self._view(Transpose.apply(self, order))

    def ravel(self) -> Tensor:
        """The entries as one axis (a view where possible)."""
        return self._view(Reshape.apply(self, (-1,)))

    def expand(self, *sizes: Any) -> Tensor:
        """The tensor broadcast to `sizes` (−1 keeps an axis; new axes go in front). Unlike
        PyTorch's, the result holds its own copy."""
        target = sizes_of(sizes)
        new = len(target) - self.data.ndim
        if new < 0:
            raise ValueError(f"expand: {len(target)} sizes for a tensor of {self.data.ndim} "
                             "dimensions")
        shape = []
        for i, n in enumerate(target):
            old = self.data.shape[i - new] if i >= new else None
            if n == -1 and old is None:
                raise ValueError(f"expand: -1 is not allowed for the new leading dimension {i}")
            if n != -1 and old not in (None, 1, n):
                raise ValueError(f"expand: dimension {i} of size {old} cannot become {n} (only "
                                 "size 1 expands)")
            shape.append(old if n == -1 else n)
        return BroadcastTo.apply(self, tuple(shape))

    def repeat(self, *sizes: Any) -> Tensor:
        """The tensor tiled `sizes[i]` times along axis i (PyTorch's repeat, numpy's tile; more
        sizes than axes add leading axes): reshaped to (1, n₀, 1, n₁, …), broadcast to
        (r₀, n₀, r₁, n₁, …) and reshaped to (r₀·n₀, r₁·n₁, …)."""
        repeats = sizes_of(sizes)
        if len(repeats) < self.data.ndim or any(
                not isinstance(r, (int, np.integer)) or r < 0 for r in repeats):
            raise ValueError(f"repeat: needs a count ≥ 0 for each of the {self.data.ndim} "
                             f"dimensions (at least), got {repeats}")
        shape = (1,) * (len(repeats) - self.data.ndim) + self.data.shape
        spread = Reshape.apply(self, tuple(v for n in shape for v in (1, n)))
        copies = BroadcastTo.apply(spread, tuple(v for r, n in zip(repeats, shape) for v in (r, n)))
        return Reshape.apply(copies, tuple(r * n for r, n in zip(repeats, shape)))

    def tile(self, *dims: Any) -> Tensor:
        """`repeat`, with 1s put in front when `dims` has fewer entries than the tensor axes."""
        counts = sizes_of(dims)
        return self.repeat((1,) * (self.data.ndim - len(counts)) + counts)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most `chunks` pieces along `dim`, each ⌈n / chunks⌉ long but the last (PyTorch)."""
        if not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise ValueError(f"chunk: chunks must be an int ≥ 1, got {chunks!r}")
        if self.data.ndim == 0:
            raise ValueError("chunk: a 0-d tensor has no dimension to cut")
        length = self.data.shape[_axis(dim, self.data.ndim, "chunk")]
        return self.split(max(-(-length // chunks), 1), axis=dim)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two axes (at and below the `diagonal`-th diagonal),
        zeros elsewhere: where(mask, x, 0)."""
        return self._triangle(np.tri(*self._matrix_shape("tril"), k=diagonal, dtype=bool))

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two axes (at and above the `diagonal`-th diagonal),
        zeros elsewhere."""
        return self._triangle(~np.tri(*self._matrix_shape("triu"), k=diagonal - 1, dtype=bool))

    def _matrix_shape(self, where: str) -> tuple[int, int]:
        if self.data.ndim < 2:
            raise ValueError(f"{where}: needs a tensor of 2 or more dimensions, got shape "
                             f"{self.data.shape}")
        return self.data.shape[-2], self.data.shape[-1]

    def _triangle(self, keep: np.ndarray) -> Tensor:
        return Where.apply(keep, self, constant_like(self, np.zeros((), dtype=self.data.dtype)))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The entries x[…, i, i + offset] of the axes dim1 and dim2, as a last axis after the
        others (PyTorch's order): those axes moved to the end, then one index."""
        ndim = self.data.ndim
        if ndim < 2:
            raise ValueError(f"diagonal: needs 2 or more dimensions, got shape {self.data.shape}")
        first, second = _axis(dim1, ndim, "diagonal"), _axis(dim2, ndim, "diagonal")
        if first == second:
            raise ValueError(f"diagonal: dim1 and dim2 are both axis {first}")
        order = (*(a for a in range(ndim) if a not in (first, second)), first, second)
        moved = self if order == tuple(range(ndim)) else Transpose.apply(self, order)
        rows, cols = max(-offset, 0), max(offset, 0)
        count = max(0, min(self.data.shape[first] - rows, self.data.shape[second] - cols))
        steps = np.arange(count)
        return Index.apply(moved, (Ellipsis, steps + rows, steps + cols))

    def diag(self, diagonal: int = 0) -> Tensor:
        """Of a vector, the square matrix with it on the `diagonal`-th diagonal (an IndexAdd
        that places it); of a matrix, that diagonal (`diagonal`)."""
        if self.data.ndim == 2:
            return self.diagonal(diagonal)
        if self.data.ndim != 1:
            raise ValueError(f"diag: needs a 1-D or 2-D tensor, got shape {self.data.shape}")
        n = self.data.shape[0] + abs(diagonal)
        steps = np.arange(self.data.shape[0])
        return IndexAdd.apply(self, (n, n), (steps + max(-diagonal, 0), steps + max(diagonal, 0)))

    def trace(self) -> Tensor:
        """Σᵢ x[i, i] of a matrix."""
        if self.data.ndim != 2:
            raise ValueError(f"trace: needs a matrix, got shape {self.data.shape}")
        return self.diagonal().sum()

    def outer(self, vec2: Any) -> Tensor:
        """z[i, j] = x[i]·y[j] of two vectors: a column times a row, broadcast."""
        other = vec2 if isinstance(vec2, Value) else self._result_type._wrap(
            np.asarray(vec2, dtype=self.data.dtype), None)
        if self.data.ndim != 1 or np.ndim(other.data) != 1:
            raise ValueError(f"outer: needs two 1-D tensors, got shapes {self.data.shape} and "
                             f"{np.shape(other.data)}")
        column = Reshape.apply(self, (-1, 1))
        return column * Reshape.apply(other, (1, -1))
