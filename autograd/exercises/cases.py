"""What the checker feeds a student's gate: hypothesis strategies of `Case`s (shapes and values,
broadcasting included), each moved into the gate's differentiable domain — away from relu's
kink, positive bases for a power, rows with a spread for layer norm — so that central differences
are a fair judge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from autograd.scalar import Scalar
from autograd.tensor import Tensor

Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass(frozen=True)
class Case:
    """One call of a gate: its positional arguments (floats and float64 arrays are the values
    it differentiates, except at the `fixed` positions; anything else — indices, a mask, an
    axis, targets — passes through)."""

    args: tuple[Any, ...]
    fixed: tuple[int, ...] = ()

    @property
    def wants(self) -> tuple[bool, ...]:
        return tuple(i not in self.fixed and _differentiable(a) for i, a in enumerate(self.args))

    def values(self) -> list[Any]:
        """Fresh leaves for one run (each run gets its own, so gradients never mix)."""
        return [_leaf(a) if want else a for a, want in zip(self.args, self.wants)]

    def describe(self, names: tuple[str, ...]) -> str:
        return ", ".join(f"{name} = {_show(arg)}" for name, arg in zip(names, self.args))


def _differentiable(arg: Any) -> bool:
    return isinstance(arg, float) or (isinstance(arg, np.ndarray) and arg.dtype == np.float64)


def _leaf(arg: Any) -> Any:
    if isinstance(arg, float):
        return Scalar(arg, requires_grad=True)
    return Tensor(arg.copy(), requires_grad=True, dtype=np.float64)


def _show(arg: Any) -> str:
    if isinstance(arg, np.ndarray):
        text = " ".join(np.array2string(arg, precision=4, separator=", ", threshold=24,
                                        max_line_width=10**6).split())
        return f"{text} (shape {arg.shape})" if arg.ndim else text
    return repr(arg)


# --- building blocks -------------------------------------------------------------------------
def shapes(min_dims: int = 1, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def array(draw: Draw, shape: tuple[int, ...], low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return np.asarray(draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, width=64))),
                      dtype=np.float64)


def number(draw: Draw, low: float = -2.0, high: float = 2.0) -> float:
    return float(draw(st.floats(low, high, width=64)))


def away_from_zero(x: Any, gap: float = 0.1) -> Any:
    """Out of (−gap, gap): keeps relu off its kink, where central differences see ½."""
    return np.where(x >= 0, x + gap, x - gap) if isinstance(x, np.ndarray) else (
        x + gap if x >= 0 else x - gap)


def spread(x: np.ndarray) -> np.ndarray:
    """Rows that are never constant (layer norm divides by their spread)."""
    return x + 0.7 * np.arange(x.shape[-1])


# --- the strategies --------------------------------------------------------------------------
@st.composite
def scalars(draw: Draw, count: int, low: float = -2.0, high: float = 2.0) -> Case:
    return Case(tuple(number(draw, low, high) for _ in range(count)))


@st.composite
def scalar_relu(draw: Draw) -> Case:
    return Case((float(away_from_zero(number(draw))),))


@st.composite
def scalar_power(draw: Draw) -> Case:
    return Case((number(draw, 0.3, 2.0), number(draw, -2.0, 2.0)))


@st.composite
def tensors(draw: Draw, count: int = 1, min_dims: int = 1, low: float = -2.0,
            high: float = 2.0) -> Case:
    shape = draw(shapes(min_dims=min_dims))
    return Case(tuple(array(draw, shape, low, high) for _ in range(count)))


@st.composite
def broadcast_pair(draw: Draw) -> Case:
    """Two arrays whose shapes broadcast: a size-1 or missing axis in either."""
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4))
    return Case(tuple(array(draw, shape) for shape in pair.input_shapes))


@st.composite
def matmul_pair(draw: Draw) -> Case:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    return Case((array(draw, (n, k)), array(draw, (k, m))))


@st.composite
def linear_inputs(draw: Draw) -> Case:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    return Case((array(draw, (n, k)), array(draw, (k, m)), array(draw, (m,))))


@st.composite
def reduce_inputs(draw: Draw) -> Case:
    shape = draw(shapes(min_dims=1))
    return Case((array(draw, shape), draw(st.integers(0, len(shape) - 1))))


@st.composite
def probabilities_and_targets(draw: Draw) -> Case:
    """o strictly inside (0, 1) and targets t in [0, 1], for binary cross-entropy."""
    shape = draw(shapes(min_dims=1, max_dims=2))
    return Case((array(draw, shape, 0.05, 0.95), array(draw, shape, 0.0, 1.0)), fixed=(1,))


@st.composite
def logits_and_targets(draw: Draw) -> Case:
    rows, classes = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    targets = np.array(draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows)))
    return Case((array(draw, (rows, classes), -3.0, 3.0), targets))


@st.composite
def embedding_inputs(draw: Draw) -> Case:
    """A small table and more lookups than rows, so indices repeat."""
    rows, width = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    index_shape = draw(shapes(min_dims=1, max_dims=2))
    indices = np.asarray(draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, rows - 1))))
    return Case((array(draw, (rows, width)), indices))


@st.composite
def layer_norm_inputs(draw: Draw) -> Case:
    shape = draw(shapes(min_dims=1, max_dims=3))
    if shape[-1] < 2:
        shape = (*shape[:-1], 2)
    width = shape[-1]
    return Case((spread(array(draw, shape)), array(draw, (width,), 0.5, 2.0), array(draw, (width,))))


def causal_mask(length: int) -> np.ndarray:
    """True above the diagonal: position t may not look at t' > t."""
    return np.triu(np.ones((length, length), dtype=bool), k=1)


@st.composite
def masked_scores(draw: Draw) -> Case:
    length = draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), max_size=1))
    scale = float(draw(st.sampled_from([1.0, 0.5])))
    return Case((array(draw, (*batch, length, length), -3.0, 3.0), causal_mask(length), scale),
                fixed=(2,))


@st.composite
def rnn_cell_inputs(draw: Draw) -> Case:
    batch, d_in, hidden = (draw(st.integers(1, 3)) for _ in range(3))
    return Case((array(draw, (batch, d_in)), array(draw, (batch, hidden), -0.9, 0.9),
                 array(draw, (d_in, hidden), -1.0, 1.0), array(draw, (hidden, hidden), -1.0, 1.0),
                 array(draw, (hidden,), -0.5, 0.5)))
