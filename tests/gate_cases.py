"""One hypothesis strategy per gate: inputs moved into the gate's differentiable domain, and the
public call that runs the gate on them. `test_gates.py` gradchecks every case; the meta-test
there fails if a gate of the package has no case here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from autograd import F, Function, Tensor
from autograd.core import outputs
from autograd.gates import (
    activation,
    arrange,
    conv,
    einsum,
    indexing,
    linalg,
    logexp,
    norm,
    pool,
    recurrent,
    reduce,
    rounding,
    scan,
    shape,
    softmax,
    trig,
)
from autograd.gates import elementwise as ew
from models import demo

Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass(frozen=True)
class GateCase:
    """`build(draw)` returns (float64 input arrays, fn taking Tensors and returning a Tensor)."""

    gate: type[Function]
    label: str
    build: Callable[[Draw], tuple[list[np.ndarray], Callable[..., Tensor]]]


# --- values and shapes ----------------------------------------------------------------------
def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4
           ) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def values(draw: Draw, shape: tuple[int, ...], low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, width=64)))


def positive(x: np.ndarray) -> np.ndarray:
    """Into (0.5, ∞): the domain of log, sqrt and a power with a real exponent."""
    return np.abs(x) + 0.5


def away_from_zero(x: np.ndarray, gap: float = 0.5) -> np.ndarray:
    """Out of (−gap, gap): keeps a divisor from 0 and relu away from its kink."""
    return np.where(x >= 0, x + gap, x - gap)


def distinct(draw: Draw, shape: tuple[int, ...]) -> np.ndarray:
    """Entries at least 0.05 apart, so a maximum is never tied within the step ε."""
    size = int(np.prod(shape))
    order = np.array(draw(st.permutations(range(size))), dtype=np.float64)
    jitter = values(draw, (size,), -0.1, 0.1)
    return (0.25 * order + jitter).reshape(shape)


def broadcast_pair(draw: Draw, max_dims: int = 3) -> tuple[tuple[int, ...], tuple[int, ...]]:
    pair = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, max_side=3))
    return pair.input_shapes[0], pair.input_shapes[1]


def axis_choice(draw: Draw, ndim: int) -> int | tuple[int, ...] | None:
    if ndim == 0:
        return None
    return draw(st.one_of(
        st.none(),
        st.integers(-ndim, ndim - 1),
        st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple),
    ))


# --- cases ----------------------------------------------------------------------------------
def _binary(op: Callable[[Tensor, Tensor], Tensor],
            fix_a: Callable[[np.ndarray], np.ndarray] = lambda x: x,
            fix_b: Callable[[np.ndarray], np.ndarray] = lambda x: x) -> Callable[[Draw], Any]:
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        shape_a, shape_b = broadcast_pair(draw)
        return [fix_a(values(draw, shape_a)), fix_b(values(draw, shape_b))], op
    return build


def _unary(op: Callable[[Tensor], Tensor], fix: Callable[[np.ndarray], np.ndarray] = lambda x: x,
           low: float = -2.0, high: float = 2.0, max_dims: int = 3) -> Callable[[Draw], Any]:
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        return [fix(values(draw, draw(shapes(max_dims=max_dims)), low, high))], op
    return build


def _off_the_bounds(x: np.ndarray) -> np.ndarray:
    """Keeps entries 0.1 or more from ±1, where clamp(−1, 1) has its kinks."""
    return np.where(np.abs(np.abs(x) - 1) < 0.1, 0.5 * x, x)


def _untied(op: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Draw], Any]:
    """Two broadcastable inputs at least 0.1 apart everywhere, so max/min have no kink."""
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        shape_a, shape_b = broadcast_pair(draw)
        a, b = values(draw, shape_a), values(draw, shape_b)
        full = np.broadcast_shapes(a.shape, b.shape)
        near = np.abs(np.broadcast_to(a, full) - np.broadcast_to(b, full)) < 0.1
        if near.any():   # b moved away from a where they are close (b then takes the full shape)
            b = np.where(near, np.broadcast_to(a, full) + 0.5, np.broadcast_to(b, full))
        return [a, b], op
    return build


def _with_number(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """x ** c and c ** x with a Python number c, and number-on-the-left arithmetic."""
    c = draw(st.sampled_from([2, 3, -1, 0.5]))
    x = positive(values(draw, draw(shapes())))
    return [x], lambda t: t ** c + 2.0 ** t - 1 / t + (3 - t) * 2


def _matmul(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a, batch_b = broadcast_pair(draw, max_dims=2)
    a_shape = (k,) if draw(st.booleans()) else (*batch_a, n, k)
    b_shape = (k,) if draw(st.booleans()) else (*batch_b, k, m)
    return [values(draw, a_shape), values(draw, b_shape)], lambda a, b: a @ b


def _linear(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rows = draw(shapes(min_dims=0, max_dims=2))
    return [values(draw, (*rows, n_in)), values(draw, (n_in, n_out)), values(draw, (n_out,))], \
        F.linear


def _reduction(method: str, fix: Callable[[Draw, tuple[int, ...]], np.ndarray] | None = None
               ) -> Callable[[Draw], Any]:
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        shape_ = draw(shapes())
        axis, keepdims = axis_choice(draw, len(shape_)), draw(st.booleans())
        x = fix(draw, shape_) if fix else values(draw, shape_)
        return [x], lambda t: getattr(t, method)(axis=axis, keepdims=keepdims)
    return build


def _reshape(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes())
    size = int(np.prod(shape_))
    target = draw(st.sampled_from([(-1,), shape_[::-1], (1, *shape_), (size, 1)]))
    return [values(draw, shape_)], lambda t: t.reshape(*target)


def _transpose(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1))
    axes = tuple(draw(st.permutations(range(len(shape_)))))
    if draw(st.booleans()):
        return [values(draw, shape_)], lambda t: t.T
    return [values(draw, shape_)], lambda t: t.transpose(*axes)


def _index(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1))
    kind = draw(st.sampled_from(["basic", "rows", "mixed"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape_, allow_newaxis=True, allow_ellipsis=True))
    elif kind == "rows":  # repeated and negative row indices accumulate
        index = np.array(draw(st.lists(st.integers(-shape_[0], shape_[0] - 1), min_size=1,
                                       max_size=6)))
    else:  # an integer array after a slice: the general scatter path
        axis = 1 if len(shape_) > 1 else 0
        rows = np.array(draw(st.lists(st.integers(0, shape_[axis] - 1), min_size=1, max_size=5)))
        index = (slice(None), rows) if axis else (rows, Ellipsis)
    return [values(draw, shape_)], lambda t: t[index]


def _concat(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    base = list(draw(shapes(min_dims=1)))
    axis = draw(st.integers(0, len(base) - 1))
    count = draw(st.integers(1, 3))
    arrays = []
    for _ in range(count):
        base[axis] = draw(st.integers(1, 3))
        arrays.append(values(draw, tuple(base)))
    negative = draw(st.booleans())
    return arrays, lambda *ts: F.concat(ts, axis=axis - len(base) if negative else axis)


def _stack(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes())
    count = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(shape_) - 1, len(shape_)))
    return [values(draw, shape_) for _ in range(count)], lambda *ts: F.stack(ts, axis=axis)


def _softmax_like(fn: Callable[..., Tensor]) -> Callable[[Draw], Any]:
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        shape_ = draw(shapes(min_dims=1))
        axis = draw(st.integers(-len(shape_), len(shape_) - 1))
        return [values(draw, shape_, -4, 4)], lambda t: fn(t, axis=axis)
    return build


def _masked_softmax(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1))
    mask_shape = shape_[-draw(st.integers(1, len(shape_))):]   # broadcasts, as a causal mask does
    mask = draw(hnp.arrays(bool, mask_shape))
    mask[..., 0] = False   # every row keeps an entry (a causal mask keeps the diagonal)
    scale = draw(st.sampled_from([1.0, 0.5, 2.0]))
    return [values(draw, shape_, -4, 4)], lambda t: F.masked_softmax(t, mask, scale=scale)


def _cross_entropy(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    lead = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    classes = draw(st.integers(1, 5))
    targets = draw(hnp.arrays(np.int64, lead, elements=st.integers(0, classes - 1)))
    ignore = draw(st.one_of(st.none(), st.just(-100), st.just(int(targets.flat[-1]))))
    if ignore is not None and np.all(targets == ignore):
        ignore = None  # keep at least one target, so the loss is defined
    logits = values(draw, (*lead, classes), -4, 4)
    return [logits], lambda t: F.cross_entropy(t, targets, ignore_index=ignore)


def _embedding(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    rows, width = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    index_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
    indices = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, rows - 1)))
    return [values(draw, (rows, width))], lambda w: F.embedding(w, indices)


def _where(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    triple = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    cond_shape, a_shape, b_shape = triple.input_shapes
    condition = draw(hnp.arrays(np.bool_, cond_shape))
    return [values(draw, a_shape), values(draw, b_shape)], lambda a, b: F.where(condition, a, b)


def _layer_norm(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1))
    width = shape_[-1]
    affine = draw(st.sampled_from(["both", "weight", "none"]))
    x = values(draw, shape_)
    if width == 1 or np.ptp(x, axis=-1).min() < 0.3:
        x = x + distinct(draw, shape_)  # variance well above ε, so the gate is smooth there
    if affine == "none":
        return [x], lambda t: F.layer_norm(t, None, None)
    w, b = values(draw, (width,)), values(draw, (width,))
    if affine == "weight":
        return [x, w], lambda t, w_: F.layer_norm(t, w_, None)
    return [x, w, b], lambda t, w_, b_: F.layer_norm(t, w_, b_)


def _batch_norm(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    n, c = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    spatial = draw(st.sampled_from([(), (draw(st.integers(1, 3)),),           # (N, C), (N, C, L)
                                    (draw(st.integers(1, 2)), draw(st.integers(1, 2)))]))  # H, W
    shape_ = (n, c, *spatial)
    x = values(draw, shape_) + distinct(draw, shape_)   # variance well above ε per channel
    w, b = values(draw, (c,)), values(draw, (c,))
    if draw(st.booleans()):
        return [x, w, b], lambda x_, w_, b_: F.batch_norm(x_, w_, b_, training=True)
    running_mean, running_var = values(draw, (c,)), positive(values(draw, (c,)))
    return [x, w, b], lambda x_, w_, b_: F.batch_norm(x_, w_, b_, running_mean, running_var,
                                                       training=False)


def _conv1d(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    n, c_in, c_out, k = (draw(st.integers(1, 3)) for _ in range(4))
    stride, dilation, padding = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(0, 2))
    span = dilation * (k - 1) + 1
    length = draw(st.integers(max(1, span - 2 * padding), span + 4))
    x, w = values(draw, (n, c_in, length)), values(draw, (c_out, c_in, k))
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    if draw(st.booleans()):
        return [x, w, values(draw, (c_out,))], lambda x_, w_, b_: F.conv1d(x_, w_, b_, **options)
    return [x, w], lambda x_, w_: F.conv1d(x_, w_, None, **options)


def _dropout(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    p, seed = draw(st.sampled_from([0.25, 0.5])), draw(st.integers(0, 1000))
    # a fresh generator per call draws the same mask every time fn runs
    return [values(draw, draw(shapes()))], lambda t: F.dropout(t, p, rng=np.random.default_rng(seed))


def _index_add(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """The scatter that is Index's gradient: rows placed (and summed) into a larger table."""
    rows, width = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    index = np.array(draw(st.lists(st.integers(0, rows - 1), min_size=1, max_size=6)))
    return [values(draw, (index.size, width))], \
        lambda t: indexing.IndexAdd.apply(t, (rows, width), index)


def _broadcast_to(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    small, _ = broadcast_pair(draw)
    target = draw(hnp.broadcastable_shapes(small, min_dims=len(small), max_side=3))
    full = np.broadcast_shapes(small, target)
    return [values(draw, small)], lambda t: shape.BroadcastTo.apply(t, full)


def _sum_to_shape(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    small, big = broadcast_pair(draw)
    full = np.broadcast_shapes(small, big)
    return [values(draw, full)], lambda t: shape.SumToShape.apply(t, small)


def _prod(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """Over one axis or all; some entries exactly 0, where z/xᵢ would fail."""
    shape_ = draw(shapes())
    x = values(draw, shape_)
    if x.size > 1 and draw(st.booleans()):
        x.flat[draw(st.integers(0, x.size - 1))] = 0.0
    axis = draw(st.one_of(st.none(), st.integers(-len(shape_), len(shape_) - 1))) if shape_ else None
    keepdims = draw(st.booleans())
    return [x], lambda t: t.prod(axis=axis, keepdims=keepdims)


def _split(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """Pieces used unevenly (one twice, one not at all), so every output's slot is exercised."""
    shape_ = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape_), len(shape_) - 1))
    size = draw(st.integers(1, 3))
    weights = values(draw, (8,))

    def fn(t: Tensor) -> Tensor:
        pieces = t.split(size, axis=axis)
        total = pieces[0] * float(weights[0])
        for k, piece in enumerate(pieces[1:], start=1):
            if k != 1:   # the second piece gets no gradient: its slot is filled with zeros
                total = (total.sum() + (piece * piece).sum() * float(weights[k % 8]))
        return total
    return [values(draw, shape_)], fn


def _set_item(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1))
    index = draw(hnp.basic_indices(shape_, allow_ellipsis=True))
    slot = np.zeros(shape_)[index].shape
    # a shape that broadcasts to the slot: some of its axes 1, some leading ones dropped
    squeezed = tuple(1 if draw(st.booleans()) else n for n in slot)
    value_shape = squeezed[draw(st.integers(0, len(slot))):]

    def fn(x: Tensor, v: Tensor) -> Tensor:
        z = x * 1.0   # a non-leaf, which may change in place
        z[index] = v
        return z * x
    return [values(draw, shape_), values(draw, value_shape)], fn


def _recurrent_cell(gates: int) -> Callable[[Draw], Any]:
    """A batch (or none) of steps of an LSTM (gates=4) or GRU (gates=3) cell; the state is given
    per example or one for the batch (broadcast, as a learned start state is)."""
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        width, batch = draw(st.integers(1, 2)), draw(st.sampled_from([(), (2,)]))
        state = batch if draw(st.booleans()) else ()
        arrays = [values(draw, (*batch, gates * width)), values(draw, (*state, width)),
                  values(draw, (width, gates * width), -1.0, 1.0)]
        if gates == 4:   # the cell state c, then both outputs read
            arrays.insert(2, values(draw, (*state, width)))
            return arrays, lambda a, h, c, w: F.concat(list(F.lstm_cell(a, h, c, w)), axis=-1)
        return [*arrays, values(draw, (3 * width,))], F.gru_cell
    return build


def _user_multiply(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_a, shape_b = broadcast_pair(draw)
    return [values(draw, shape_a), values(draw, shape_b)], demo.Multiply.apply


# --- issue 18: PyTorch's shape operations, einsum -------------------------------------------
def _flip(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    dims = draw(st.lists(st.integers(-len(shape_), len(shape_) - 1), min_size=1,
                         max_size=len(shape_), unique_by=lambda d: d % len(shape_)))
    return [values(draw, shape_)], lambda t: t.flip(dims)


def _roll(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1, max_side=3))
    if draw(st.booleans()):   # the flattened tensor
        shift = draw(st.integers(-7, 7))
        return [values(draw, shape_)], lambda t: t.roll(shift)
    dims = draw(st.lists(st.integers(-len(shape_), len(shape_) - 1), min_size=1, max_size=3))
    shifts = tuple(draw(st.integers(-5, 5)) for _ in dims)
    return [values(draw, shape_)], lambda t: t.roll(shifts, tuple(dims))


def _pad(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    widths: list[int] = []
    for n in reversed(shape_[-draw(st.integers(1, len(shape_))):]):
        before = draw(st.integers(-(n - 1), 2))   # a negative width cuts, leaving one entry
        widths += [before, draw(st.integers(-(n - 1 + min(before, 0)), 2))]
    value = draw(st.sampled_from([0.0, 1.5]))
    return [values(draw, shape_)], lambda t: F.pad(t, widths, value=value)


EQUATIONS = [   # (equation, operand shapes): products, attention, diagonals, sums, '...'
    ("ij,jk->ik", [(2, 3), (3, 2)]), ("bhqd,bhkd->bhqk", [(1, 2, 3, 2), (1, 2, 2, 2)]),
    ("bhqk,bhkd->bhqd", [(1, 2, 2, 3), (1, 2, 3, 2)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]), ("i,j->ij", [(3,), (2,)]), ("...ij,...jk", [(2, 2, 3), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]), ("iij->ji", [(2, 2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("bi,bi->b", [(3, 2), (3, 2)]),
]


def _einsum(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """An equation of the list, or a tensordot (an einsum written by tensordot)."""
    if draw(st.booleans()):
        equation, operand_shapes = draw(st.sampled_from(EQUATIONS))
        return [values(draw, s) for s in operand_shapes], \
            lambda *ts: F.einsum(equation, *ts)
    dims, b_shape = draw(st.sampled_from([(0, (2,)), (1, (2, 2)), (2, (3, 2, 1)),
                                          (([0, 2], [1, 0]), (2, 2, 2))]))
    return [values(draw, (2, 3, 2)), values(draw, b_shape)], \
        lambda a, b: F.tensordot(a, b, dims)


def _triangle(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    shape_ = draw(shapes(min_dims=2, max_side=3))
    k, upper = draw(st.integers(-2, 2)), draw(st.booleans())
    return [values(draw, shape_)], lambda t: t.triu(k) if upper else t.tril(k)


def _diagonal(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """diagonal (any two axes, any offset), diag and trace of a matrix, and diag of a vector
    (the matrix it makes read back by an index, its rows reversed)."""
    shape_ = draw(shapes(min_dims=2, max_side=3))
    kind = draw(st.sampled_from(["diagonal", "diag", "trace", "vector"]))
    offset = draw(st.integers(-2, 2))
    if kind == "vector":
        return [values(draw, (shape_[0],))], lambda t: t.diag(offset)[::-1]
    if kind != "diagonal":
        matrix = values(draw, shape_[:2])
        return [matrix], lambda t: t.trace() if kind == "trace" else t.diag(offset)
    first, second = draw(st.permutations(range(len(shape_))))[:2]
    return [values(draw, shape_)], lambda t: t.diagonal(offset, first, second)


def _copies(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """repeat, tile and expand: copies of the entries, whose gradients add up."""
    shape_ = draw(shapes(max_dims=2, max_side=3))
    kind = draw(st.sampled_from(["repeat", "tile", "expand"]))
    extra = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1))))
    if kind == "expand":
        target = (*extra, *(draw(st.sampled_from([-1, 3])) if n == 1 else
                            draw(st.sampled_from([-1, n])) for n in shape_))
        return [values(draw, shape_)], lambda t: t.expand(*target)
    counts = (*extra, *(draw(st.integers(1, 2)) for _ in shape_))
    if kind == "tile":
        counts = counts[draw(st.integers(0, len(counts))):]
    return [values(draw, shape_)], lambda t: getattr(t, kind)(*counts)


def _permute_ravel_chunk(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """Axes permuted, cut into chunks along one, each chunk flattened and weighted."""
    shape_ = draw(shapes(min_dims=1, max_side=3))
    order = tuple(draw(st.permutations(range(len(shape_)))))
    dim, chunks = draw(st.integers(-len(shape_), len(shape_) - 1)), draw(st.integers(1, 4))
    weights = values(draw, (27,))

    def fn(t: Tensor) -> Tensor:
        pieces = t.permute(*order).chunk(chunks, dim)
        return sum((p.ravel() * Tensor(weights[:p.size].astype(t.dtype)) * p.ravel()).sum()
                   for p in pieces)
    return [values(draw, shape_)], fn


def _vector_methods(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """a.outer(b) of two vectors, or (a.maximum(b) − a.minimum(b))·½ of two untied tensors."""
    if draw(st.booleans()):
        return [values(draw, (draw(st.integers(1, 4)),)),
                values(draw, (draw(st.integers(1, 4)),))], lambda a, b: a.outer(b)
    return _untied(lambda a, b: (a.maximum(b) - a.minimum(b)) * 0.5)(draw)

def _off_integers(x: np.ndarray) -> np.ndarray:
    """Entries 0.1 or more from every integer, where floor, ceil and trunc jump."""
    return np.where(np.abs(x - np.round(x)) < 0.1, x + 0.3, x)


def _remainder_of(op: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Draw], Any]:
    """x = y·(q + f) with an integer q and a fraction f in [0.1, 0.9]: x/y is never within 0.1
    of an integer, where fmod and remainder jump."""
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        shape_x, shape_y = broadcast_pair(draw, max_dims=2)
        y = away_from_zero(values(draw, shape_y))
        full = np.broadcast_shapes(shape_x, shape_y)
        quotient = np.round(values(draw, full, -3, 3)) + values(draw, full, 0.1, 0.9)
        return [np.broadcast_to(y, full) * quotient, y], op
    return build


def _scan(method: str, zeros: bool = False) -> Callable[[Draw], Any]:
    """A running sum or product along a drawn axis (0-d included); with `zeros`, some entries
    exactly 0, where a product's gradient must not divide."""
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        shape_ = draw(shapes())
        x = values(draw, shape_)
        if zeros and x.size > 1 and draw(st.booleans()):
            x.flat[draw(st.integers(0, x.size - 1))] = 0.0
        reach = max(len(shape_), 1)
        axis = draw(st.integers(-reach, reach - 1))
        return [x], lambda t: getattr(t, method)(axis)
    return build


def _entrywise(op: Callable[[Tensor], Tensor],
               fix: Callable[[np.ndarray], np.ndarray] = lambda x: x, low: float = -2.0,
               high: float = 2.0) -> Callable[[Draw], Any]:
    """`_unary` on shapes of at most 2 axes: for a gate that works entry by entry these test
    no less, and drawing fewer values keeps issue 18's many new cases within their time."""
    return _unary(op, fix, low, high, max_dims=2)


def _softplus(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    """β and the threshold drawn; x kept 0.2 from where βx crosses the threshold (the gate
    switches to the line there, as PyTorch's, with a small jump)."""
    beta, threshold = draw(st.sampled_from([0.5, 1.0, 2.0])), draw(st.sampled_from([20.0, 1.0]))
    x = values(draw, draw(shapes(max_dims=2)), -4, 4)
    x = np.where(np.abs(beta * x - threshold) < 0.2, x + 0.5 / beta, x)
    return [x], lambda t: F.softplus(t, beta=beta, threshold=threshold)


def _away_from(*kinks: float) -> Callable[[np.ndarray], np.ndarray]:
    """Entries moved 0.2 or more from each kink."""
    def fix(x: np.ndarray) -> np.ndarray:
        for kink in kinks:
            x = np.where(np.abs(x - kink) < 0.2, x + 0.4, x)
        return x
    return fix


def _grid(draw: Draw, sizes: tuple[int, int], dilation: tuple[int, int], padding: tuple[int, int],
          stride: tuple[int, int]) -> tuple[int, int]:
    """An (H, W) that the (dilated) kernel fits, with a few output positions per axis."""
    return tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), d * (k - 1) + 1 + s))
                 for k, d, p, s in zip(sizes, dilation, padding, stride))  # type: ignore[return-value]


def _pairs(draw: Draw, low: int, high: int) -> tuple[int, int]:
    return draw(st.integers(low, high)), draw(st.integers(low, high))


def _conv2d(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2)), 1 + draw(st.booleans())
    sizes, stride, dilation, padding = (_pairs(draw, 1, 2), _pairs(draw, 1, 2),
                                        _pairs(draw, 1, 2), _pairs(draw, 0, 1))
    height, width = _grid(draw, sizes, dilation, padding, stride)
    x, w = values(draw, (n, c_in, height, width)), values(draw, (c_out, c_in, *sizes))
    options = {"stride": stride, "padding": padding, "dilation": dilation}
    if draw(st.booleans()):
        return [x, w, values(draw, (c_out,))], lambda x_, w_, b_: F.conv2d(x_, w_, b_, **options)
    return [x, w], lambda x_, w_: F.conv2d(x_, w_, None, **options)


def _pool2d(which: str) -> Callable[[Draw], Any]:
    """Distinct entries (no ties within 0.05, so a window's maximum is a smooth choice), and
    padding that leaves every window an entry of x (else max's output is −∞)."""
    def build(draw: Draw) -> tuple[list[np.ndarray], Callable[..., Tensor]]:
        n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        sizes, stride = _pairs(draw, 1, 3), _pairs(draw, 1, 2)
        most = np.subtract(sizes, 1 if which == "max" else 0) // 2
        padding = (draw(st.integers(0, most[0])), draw(st.integers(0, most[1])))
        dilation = _pairs(draw, 1, 2) if which == "max" else (1, 1)
        shape_ = (n, c, *_grid(draw, sizes, dilation, padding, stride))
        if which == "max":
            return [distinct(draw, shape_)], lambda t: F.max_pool2d(t, sizes, stride, padding,
                                                                    dilation)
        return [values(draw, shape_)], lambda t: F.avg_pool2d(t, sizes, stride, padding)
    return build


CASES: list[GateCase] = [
    GateCase(ew.Add, "add", _binary(lambda a, b: a + b)),
    GateCase(ew.Subtract, "subtract", _binary(lambda a, b: a - b)),
    GateCase(ew.Multiply, "multiply", _binary(lambda a, b: a * b)),
    GateCase(ew.Divide, "divide", _binary(lambda a, b: a / b, fix_b=away_from_zero)),
    GateCase(ew.Negate, "negate", _unary(lambda t: -t)),
    GateCase(ew.Power, "power", _binary(lambda a, b: a ** b, fix_a=positive)),
    GateCase(ew.Power, "number-operands", _with_number),
    GateCase(ew.Exp, "exp", _unary(lambda t: t.exp())),
    GateCase(ew.Log, "log", _unary(lambda t: t.log(), positive)),
    GateCase(ew.Sqrt, "sqrt", _unary(lambda t: t.sqrt(), positive)),
    GateCase(ew.Tanh, "tanh", _unary(lambda t: t.tanh(), low=-3, high=3)),
    GateCase(ew.Sigmoid, "sigmoid", _unary(lambda t: t.sigmoid(), low=-6, high=6)),
    GateCase(ew.Relu, "relu", _unary(lambda t: t.relu(), lambda x: away_from_zero(x, 0.1))),
    GateCase(ew.Cast, "cast", _unary(lambda t: t.astype(np.float64).astype(t.dtype) * 2)),
    GateCase(ew.Abs, "abs", _unary(lambda t: t.abs(), lambda x: away_from_zero(x, 0.1))),
    GateCase(ew.Sin, "sin", _unary(lambda t: t.sin(), low=-4, high=4)),
    GateCase(ew.Cos, "cos", _unary(lambda t: t.cos(), low=-4, high=4)),
    GateCase(ew.Log1p, "log1p", _unary(lambda t: t.log1p(), low=-0.5, high=3)),
    GateCase(ew.Expm1, "expm1", _unary(lambda t: t.expm1())),
    GateCase(ew.Clamp, "clamp", _unary(lambda t: t.clamp(-1.0, 1.0), _off_the_bounds)),
    GateCase(ew.Clamp, "clamp-below", _unary(lambda t: t.clamp(min=0.0), lambda x: away_from_zero(x, 0.1))),
    GateCase(ew.Maximum, "maximum", _untied(F.maximum)),
    GateCase(ew.Minimum, "minimum", _untied(F.minimum)),
    GateCase(ew.Clone, "clone", _unary(lambda t: t.clone() * 3)),
    GateCase(linalg.MatMul, "matmul", _matmul),
    GateCase(linalg.Linear, "linear", _linear),
    GateCase(reduce.Sum, "sum", _reduction("sum")),
    GateCase(reduce.Mean, "mean", _reduction("mean")),
    GateCase(reduce.Max, "max", _reduction("max", distinct)),
    GateCase(shape.Reshape, "reshape", _reshape),
    GateCase(shape.Transpose, "transpose", _transpose),
    GateCase(indexing.Index, "index", _index),
    GateCase(shape.Concat, "concat", _concat),
    GateCase(shape.Stack, "stack", _stack),
    GateCase(softmax.Softmax, "softmax", _softmax_like(F.softmax)),
    GateCase(softmax.LogSoftmax, "log_softmax", _softmax_like(F.log_softmax)),
    GateCase(softmax.MaskedSoftmax, "masked_softmax", _masked_softmax),
    GateCase(softmax.CrossEntropy, "cross_entropy", _cross_entropy),
    GateCase(indexing.Embedding, "embedding", _embedding),
    GateCase(indexing.Where, "where", _where),
    GateCase(activation.Gelu, "gelu", _unary(F.gelu, low=-3, high=3)),
    GateCase(norm.LayerNorm, "layer_norm", _layer_norm),
    GateCase(conv.Conv1d, "conv1d", _conv1d),
    GateCase(norm.BatchNorm, "batch_norm", _batch_norm),
    GateCase(activation.Dropout, "dropout", _dropout),
    GateCase(indexing.IndexAdd, "index_add", _index_add),
    GateCase(indexing.SetItem, "set_item", _set_item),
    GateCase(reduce.Prod, "prod", _prod),
    GateCase(reduce.Norm, "norm", _reduction("norm", lambda d, s: away_from_zero(values(d, s)))),
    GateCase(ew.Erf, "erf", _unary(lambda t: t.erf())),
    GateCase(shape.Split, "split", _split),
    GateCase(outputs.Unbundle, "output_of", _split),
    GateCase(shape.BroadcastTo, "broadcast_to", _broadcast_to),
    GateCase(shape.SumToShape, "sum_to_shape", _sum_to_shape),
    GateCase(demo.Multiply, "demo-multiply", _user_multiply),
    GateCase(recurrent.LSTMCell, "lstm_cell", _recurrent_cell(4)),
    GateCase(recurrent.GRUCell, "gru_cell", _recurrent_cell(3)),
    GateCase(arrange.Flip, "flip", _flip),
    GateCase(arrange.Roll, "roll", _roll),
    GateCase(arrange.Pad, "pad", _pad),
    GateCase(einsum.Einsum, "einsum-tensordot", _einsum),
    GateCase(indexing.Where, "tril-triu", _triangle),
    GateCase(indexing.Index, "diagonal-diag-trace", _diagonal),
    GateCase(shape.BroadcastTo, "repeat-tile-expand", _copies),
    GateCase(shape.Transpose, "permute-ravel-chunk", _permute_ravel_chunk),
    GateCase(ew.Multiply, "outer-maximum-minimum", _vector_methods),
    GateCase(trig.Tan, "tan", _entrywise(lambda t: t.tan(), low=-1.2, high=1.2)),
    GateCase(trig.Sinh, "sinh", _entrywise(lambda t: t.sinh())),
    GateCase(trig.Cosh, "cosh", _entrywise(lambda t: t.cosh())),
    GateCase(trig.Asin, "asin", _entrywise(lambda t: t.asin(), low=-0.9, high=0.9)),
    GateCase(trig.Acos, "acos", _entrywise(lambda t: t.acos(), low=-0.9, high=0.9)),
    GateCase(trig.Atan, "atan", _entrywise(lambda t: t.atan(), low=-3, high=3)),
    GateCase(trig.Atan2, "atan2", _binary(F.atan2, fix_a=lambda x: away_from_zero(x, 0.1),
                                          fix_b=away_from_zero)),
    GateCase(rounding.Sign, "sign", _entrywise(lambda t: t.sign() * t, lambda x: away_from_zero(x, 0.1))),
    GateCase(rounding.Floor, "floor", _entrywise(lambda t: t.floor() + t, _off_integers)),
    GateCase(rounding.Ceil, "ceil", _entrywise(lambda t: t.ceil() * t, _off_integers)),
    GateCase(rounding.Round, "round",
             _entrywise(lambda t: t.round() * t, lambda x: _off_integers(x + 0.5) - 0.5)),
    GateCase(rounding.Trunc, "trunc", _entrywise(lambda t: t.trunc() - t, _off_integers)),
    GateCase(rounding.Fmod, "fmod", _remainder_of(F.fmod)),
    GateCase(rounding.Remainder, "remainder", _remainder_of(lambda a, b: a % b)),
    GateCase(logexp.Log2, "log2", _entrywise(lambda t: t.log2(), positive)),
    GateCase(logexp.Log10, "log10", _entrywise(lambda t: t.log10(), positive)),
    GateCase(logexp.Exp2, "exp2", _entrywise(lambda t: t.exp2())),
    GateCase(logexp.LogAddExp, "logaddexp", _binary(F.logaddexp)),
    GateCase(logexp.LogSumExp, "logsumexp", _reduction("logsumexp")),
    GateCase(scan.Cumsum, "cumsum", _scan("cumsum")),
    GateCase(scan.Cumprod, "cumprod", _scan("cumprod", zeros=True)),
    GateCase(activation.Softplus, "softplus", _softplus),
    GateCase(activation.LeakyRelu, "leaky_relu",
             _entrywise(lambda t: F.leaky_relu(t, 0.2), lambda x: away_from_zero(x, 0.1))),
    GateCase(activation.Relu6, "relu6", _entrywise(F.relu6, _away_from(0.0, 6.0), low=-2, high=8)),
    GateCase(activation.Hardswish, "hardswish", _entrywise(F.hardswish, _away_from(-3.0, 3.0), -5, 5)),
    GateCase(activation.LogSigmoid, "logsigmoid", _entrywise(F.logsigmoid, low=-8, high=8)),
    GateCase(conv.Conv2d, "conv2d", _conv2d),
    GateCase(pool.MaxPool2d, "max_pool2d", _pool2d("max")),
    GateCase(pool.AvgPool2d, "avg_pool2d", _pool2d("avg")),
]
