"""`Tensor`: a numpy array with a gradient."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes, sum_to_shape
from autograd.core.function import Context
from autograd.core.grad_mode import modes
from autograd.core.node import Node
from autograd.core.value import Value, bare_instance, data_of
from autograd.core.versions import bump_version
from autograd.gates.elementwise import Cast, Clone, Maximum, Minimum
from autograd.gates.indexing import Index, SetItem
from autograd.gates.linalg import MatMul
from autograd.gates.logexp import LogSumExp
from autograd.gates.reduce import Max, Mean, Norm, Prod, Sum
from autograd.gates.scan import Cumprod, Cumsum
from autograd.gates.shape import Reshape, Split, SumToShape, Transpose
from autograd.operators import ElementwiseOperators
from autograd.rearranging import Rearranging, sizes_of

Axis = int | tuple[int, ...] | None


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """numpy's conversion, except that Python floats become float32 (PyTorch's default)."""
    if isinstance(data, Value):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    array = np.asarray(data)
    if array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        return array.astype(np.float32)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: unsupported data of dtype {array.dtype}; use numbers")
    return array


class Tensor(ElementwiseOperators, Rearranging):
    """An n-dimensional array node backed by numpy.

    `Tensor(data, requires_grad=False, dtype=None, name=None)`: Python floats become float32, a
    float64 array stays float64, integers stay integers (for indices and targets). An ndarray of
    the right dtype is used without a copy, like `torch.from_numpy`. `.grad` is an ndarray (or
    None) of the same shape and dtype; as in PyTorch only leaves keep theirs after backward,
    unless `retain_grad()` was called.
    """

    __slots__ = ()
    _has_arrays = True
    _view_of: Tensor | None = None   # the leaf whose memory this one shows (see `_view`)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        self.data = _as_array(data, dtype)
        self._grad = None
        self.grad_fn = None
        self.name = name
        self._requires_grad = False
        self.requires_grad = requires_grad

    def _check_can_require_grad(self, flag: bool) -> None:
        if flag and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require grad (got "
                            f"{self.data.dtype})")

    @classmethod
    def _wrap(cls, data: Any, ctx: Context | None) -> Tensor:
        out = bare_instance(Tensor)
        out.data = data if data.__class__ is np.ndarray else np.asarray(data)
        out._grad = None
        out.grad_fn = ctx
        out._requires_grad = ctx is not None
        return out

    def _as_operand(self, other: Any) -> Tensor:
        if isinstance(other, Tensor):
            return other
        if isinstance(other, Value):
            raise TypeError(f"Tensor: cannot combine with {type(other).__name__}")
        if isinstance(other, numbers.Number) and self.data.dtype.kind == "f":
            return Tensor._wrap(np.asarray(other, dtype=self.data.dtype), None)
        return Tensor._wrap(_as_array(other, None), None)

    def _fit_grad(self, grad: Any, ctx: Node | None) -> np.ndarray:
        if grad.__class__ is not np.ndarray:
            grad = np.asarray(grad)
        data = self.data
        if grad.shape != data.shape:
            where = f"{ctx.name}.backward" if ctx is not None else "hook"
            grad = sum_to_shape(grad, data.shape, where)
        if grad.dtype is not data.dtype and grad.dtype != data.dtype:  # `is`: the quick usual case
            grad = grad.astype(data.dtype)
        return grad

    def _fit_recorded(self, grad: Any, ctx: Node | None) -> Any:
        """As `_fit_grad`, by recorded gates (so that the fitting is differentiated too)."""
        grad = super()._fit_recorded(grad, ctx)
        if grad.data.shape != self.data.shape:
            grad = grad.sum_to_size(self.data.shape)   # which names a misfit
        if grad.data.dtype != self.data.dtype:
            grad = grad.astype(self.data.dtype)
        return grad

    def _store_grad(self, grad: Any) -> None:
        if isinstance(grad, Value):   # from backward(create_graph=True): kept with its graph
            self._grad = grad if self._grad is None else grad + self._grad
        elif self._grad is None:
            self._grad = np.array(grad)   # a copy: no two .grad arrays alias
        else:
            self._grad += grad   # in place, as PyTorch: a reference to .grad sees the sum

    def _default_grad(self) -> np.ndarray:
        if self.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implied only for a single-element output; this tensor "
                f"has shape {self.data.shape}, so pass grad= of that shape"
            )
        return np.array(1, dtype=self.data.dtype).reshape(self.data.shape)   # quicker than ones_like

    def _check_root_grad(self, grad: Any) -> np.ndarray:
        grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
        if grad.shape != self.data.shape:
            raise ValueError(f"backward: grad of shape {grad.shape} for an output of shape "
                             f"{self.data.shape}")
        return grad.astype(self.data.dtype, copy=False)

    @property
    def grad(self) -> Any:
        """∂L/∂(this tensor), summed over backward passes: an ndarray of its shape, or None —
        or, after `backward(create_graph=True)`, a Tensor with its own graph (as in PyTorch)."""
        return self._grad

    @grad.setter
    def grad(self, grad: Any) -> None:
        self._grad = None if grad is None else self._checked_grad(grad)

    def _checked_grad(self, grad: Any) -> Any:
        """An assigned gradient must be an ndarray (or a Tensor) of this tensor's shape and a
        float dtype."""
        which = f"Tensor.grad of {self.name!r}" if self.name else "Tensor.grad"
        if isinstance(grad, Tensor) and grad is not self:
            self._checked_grad(grad.data)
            return grad
        if not isinstance(grad, np.ndarray):
            hint = " (assign its .data)" if isinstance(grad, Value) else ""
            raise TypeError(f"{which}: assigned a {type(grad).__name__}{hint}; a gradient is an "
                            f"ndarray of shape {self.data.shape}")
        if grad.dtype.kind != "f":
            raise TypeError(f"{which}: assigned a gradient of dtype {grad.dtype} to a tensor of "
                            f"dtype {self.data.dtype}; gradients are floating-point")
        if grad.shape != self.data.shape:
            raise ValueError(f"{which}: assigned a gradient of shape {grad.shape} to a tensor of "
                             f"shape {self.data.shape}")
        return grad

    # --- what it is -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item: only a single-element tensor has one value; shape is "
                             f"{self.data.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The array itself (no copy). As in PyTorch, refused for a tensor that requires grad:
        changing the array would change the graph's numbers behind its back."""
        if self._requires_grad:
            raise RuntimeError("numpy: the tensor requires grad; use .detach().numpy() (or "
                               ".data) to get its array")
        return self.data

    def tolist(self) -> Any:
        """The entries as (nested lists of) Python numbers; a number for a 0-d tensor."""
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph: no gradient flows back through the result."""
        return Tensor._wrap(self.data, None)

    def detach_(self) -> Tensor:
        """Cut this tensor itself from the graph: it becomes a leaf that requires no grad."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self) -> Tensor:
        """A copy with memory of its own; the gradient flows back unchanged (a Clone gate)."""
        return Clone._apply_one(self)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        """int() of a one-element tensor: its value truncated toward 0, as int(float) does."""
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"bool: the truth of a tensor of shape {self.data.shape} is "
                             "ambiguous; use .any() or .all() on its data")
        return bool(self.data.reshape(()))

    def argmax(self, axis: int | None = None) -> Tensor:
        """Indices of the maxima (an integer tensor; not differentiable)."""
        return Tensor._wrap(np.asarray(np.argmax(self.data, axis=axis)), None)

    def argmin(self, axis: int | None = None) -> Tensor:
        """Indices of the minima (an integer tensor; not differentiable)."""
        return Tensor._wrap(np.asarray(np.argmin(self.data, axis=axis)), None)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, threshold=20, edgeitems=3,
                               separator=", ", prefix="Tensor(")
        extras = []
        if self.name:
            extras.append(f"name={self.name!r}")
        if self.data.dtype != np.float32:
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn.name}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # --- operations -------------------------------------------------------------------------
    def __matmul__(self, other: Any) -> Tensor:
        return MatMul._apply_two(self, self._as_operand(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return MatMul._apply_two(self._as_operand(other), self)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return Max.apply(self, axis=axis, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The minima, as −max(−x) (ties share the gradient, as for max)."""
        return -Max.apply(-self, axis=axis, keepdims=keepdims)

    def maximum(self, other: Any) -> Tensor:
        """The larger of the two, entry by entry (broadcast); a tie shares the gradient."""
        return Maximum._apply_two(self, self._as_operand(other))

    def minimum(self, other: Any) -> Tensor:
        """The smaller of the two, entry by entry (broadcast); a tie shares the gradient."""
        return Minimum._apply_two(self, self._as_operand(other))

    def prod(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        return Prod.apply(self, axis=axis, keepdims=keepdims)

    def norm(self, p: float = 2, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """‖x‖ₚ over the axes: p = 2 (the default, a Norm gate) or p = 1 (Σ|xᵢ|)."""
        if p == 2:
            return Norm.apply(self, axis=axis, keepdims=keepdims)
        if p == 1:
            return self.abs().sum(axis=axis, keepdims=keepdims)
        raise ValueError(f"norm: p must be 1 or 2, got {p}")

    def var(self, axis: Axis = None, correction: int = 1, keepdims: bool = False) -> Tensor:
        """Σ(x − mean)² / (n − correction) over the axes: with PyTorch's default correction = 1
        (Bessel's), the unbiased estimate; correction = 0 gives the population variance. Built
        from the gates Mean, Subtract, Multiply and Sum, so it needs no gradient of its own."""
        count = int(np.prod([self.shape[a] for a in normalize_axes(axis, self.ndim, "var")]))
        if count - correction <= 0:
            raise ValueError(f"var: {count} entries leave no degrees of freedom with correction "
                             f"{correction}")
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).sum(axis=axis, keepdims=keepdims) / (count - correction)

    def std(self, axis: Axis = None, correction: int = 1, keepdims: bool = False) -> Tensor:
        """√var (see `var`)."""
        return self.var(axis=axis, correction=correction, keepdims=keepdims).sqrt()

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """ln Σ exp(x) over the axes, without overflow (one LogSumExp gate; its gradient is the
        softmax). PyTorch's logsumexp(dim, keepdim); here axis=None reduces every axis."""
        return LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis: int) -> Tensor:
        """The running sums along `axis` (PyTorch's cumsum(dim))."""
        return Cumsum.apply(self, axis)

    def cumprod(self, axis: int) -> Tensor:
        """The running products along `axis` (PyTorch's cumprod(dim)); its gradient is exact
        where entries are 0, as prod's."""
        return Cumprod.apply(self, axis)

    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Whether every entry is non-zero (over the axes): a boolean tensor, not differentiable."""
        return Tensor._wrap(np.all(self.data, axis=_checked_axes(axis, self.ndim, "all"),
                                   keepdims=keepdims), None)

    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Whether some entry is non-zero (over the axes): a boolean tensor, not differentiable."""
        return Tensor._wrap(np.any(self.data, axis=_checked_axes(axis, self.ndim, "any"),
                                   keepdims=keepdims), None)

    def split(self, split_size: int | list[int], axis: int = 0) -> tuple[Tensor, ...]:
        """Pieces along `axis`: of `split_size` entries each (the last may be shorter), or of the
        listed sizes (PyTorch's torch.split). One Split gate with several outputs."""
        length = self.shape[axis] if -self.ndim <= axis < self.ndim else 0   # else Split names it
        if isinstance(split_size, int):
            if split_size < 1:
                raise ValueError(f"split: split_size must be ≥ 1, got {split_size}")
            sizes = [split_size] * (length // split_size) + \
                ([length % split_size] if length % split_size else [])
        else:
            sizes = list(split_size)
        return Split.apply(self, tuple(sizes), axis=axis)

    def reshape(self, *shape: Any) -> Tensor:
        return self._view(Reshape.apply(self, sizes_of(shape)))

    def flatten(self) -> Tensor:
        return self._view(Reshape.apply(self, (-1,)))

    def squeeze(self, axis: int | None = None) -> Tensor:
        """Without size-1 axes (or only `axis`, which must have size 1)."""
        return self._view(Reshape.apply(self, np.squeeze(self.data, axis=axis).shape))

    def unsqueeze(self, axis: int) -> Tensor:
        """With a new size-1 axis at `axis`."""
        return self._view(Reshape.apply(self, np.expand_dims(self.data, axis).shape))

    def transpose(self, *axes: Any) -> Tensor:
        return self._view(Transpose.apply(self, sizes_of(axes) or None))

    @property
    def T(self) -> Tensor:
        return self._view(Transpose.apply(self, None))

    def __getitem__(self, index: Any) -> Tensor:
        return self._view(Index.apply(self, _index_arrays(index)))

    def _view(self, out: Tensor) -> Tensor:
        """`out`, noted as a view of this leaf when it shares its memory, so that an in-place
        change through it is refused once the leaf requires grad (as PyTorch's views are)."""
        if self.grad_fn is None and not self._requires_grad and \
                np.may_share_memory(out.data, self.data):
            out._view_of = self if self._view_of is None else self._view_of
        return out

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value. Where no graph is recorded, in place (with a version bump). Where
        one is — x or value requires grad — a SetItem gate: x becomes its result, holding a new
        array (earlier results, views of x included, keep the old numbers), and gates that read
        x before still send their gradients to the x they read."""
        index = _index_arrays(index)
        value_grad = isinstance(value, Value) and value._requires_grad
        if not (modes.grad_enabled and (self._requires_grad or value_grad)):
            self._in_place("setitem")[index] = data_of(value)
            return
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError("setitem: in-place change of a leaf that requires grad; assign "
                               "into a copy (x.clone()) or inside `with no_grad():`")
        self._become(lambda before: SetItem.apply(
            before, index, value if isinstance(value, Value) else
            np.asarray(value, dtype=self.data.dtype)))

    def _become(self, change: Any) -> None:
        """Take on the node `change(before)` makes from this tensor as it is now (a recorded
        change in place: x[i] = v, x += y). `before` keeps the old array and node, and gates that
        read this tensor before send their gradients there (`value_read_by`)."""
        before = Tensor._wrap(self.data, self.grad_fn)
        before._requires_grad, before.name = self._requires_grad, self.name
        result = change(before)
        self.data, self.grad_fn, self._requires_grad = result.data, result.grad_fn, True
        self._before_changes = [*(self._before_changes or ()), (result.grad_fn.sequence, before)]

    def value_read_by(self, ctx: Node) -> Value:
        """The value a gate read as this tensor: this one, or what it was before a later
        `x[index] = value` made it a new node (each such step leaves the earlier value here)."""
        for changed_at, before in self._before_changes or ():
            if ctx.sequence < changed_at:
                return before
        return self

    def sum_to_size(self, *size: Any) -> Tensor:
        """This tensor summed over the axes broadcasting to it would add or stretch, leaving
        `size` (PyTorch's name; how a broadcast gradient is fitted to its input)."""
        return SumToShape.apply(self, sizes_of(size))

    def astype(self, dtype: Any) -> Tensor:
        """A copy in another dtype; the gradient flows back cast to this tensor's dtype. A cast
        to an integer or boolean dtype is not differentiable: its result requires no grad."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            return Tensor._wrap(self.data.astype(dtype), None)
        return Cast.apply(self, dtype)

    # Comparisons give boolean tensors (masks), elementwise as in PyTorch; they are not
    # differentiable. A tensor still hashes by identity, so graphs can key on it.
    __hash__ = Value.__hash__

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor._wrap(np.equal(self.data, data_of(other)), None)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor._wrap(np.not_equal(self.data, data_of(other)), None)

    def __lt__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data < data_of(other), None)

    def __le__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data <= data_of(other), None)

    def __gt__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data > data_of(other), None)

    def __ge__(self, other: Any) -> Tensor:
        return Tensor._wrap(self.data >= data_of(other), None)

    # --- in place (not recorded; each one bumps the version counter) -------------------------
    def _in_place(self, op: str) -> np.ndarray:
        base = self._view_of
        if modes.grad_enabled and (self._requires_grad or (base is not None and
                                   base._requires_grad and base.grad_fn is None)):
            what = "a tensor" if self._requires_grad else "a view of a leaf"
            raise RuntimeError(f"{op}: in-place change of {what} that requires grad; do it "
                               "inside `with no_grad():`")
        if not self.data.flags.writeable:
            raise RuntimeError(f"{op}: this tensor's array is saved for a pending backward pass "
                               "(read-only until that backward runs)")
        bump_version(self)
        return self.data

    # `x += y` and the like change x in place (with a version bump), as in PyTorch, so that
    # `with no_grad(): p -= lr * p.grad` updates a parameter; where a graph is being recorded
    # (x or y requires grad) x becomes the recorded result instead, as `x[i] = v` does.
    def __iadd__(self, other: Any) -> Tensor:
        return self._assign(other, "+=", np.add, Tensor.__add__)

    def __isub__(self, other: Any) -> Tensor:
        return self._assign(other, "-=", np.subtract, Tensor.__sub__)

    def __imul__(self, other: Any) -> Tensor:
        return self._assign(other, "*=", np.multiply, Tensor.__mul__)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._assign(other, "/=", np.true_divide, Tensor.__truediv__)

    def _assign(self, other: Any, symbol: str, ufunc: Any, recorded: Any) -> Tensor:
        if modes.grad_enabled and (self.grad_fn is not None or
                                   (isinstance(other, Value) and other._requires_grad)):
            if self.grad_fn is None and self._requires_grad:
                self._in_place(symbol)   # which refuses, naming the operation
            if self.data.dtype.kind != "f":
                raise TypeError(f"{symbol}: a value that requires grad cannot be written into "
                                f"a tensor of dtype {self.data.dtype}")
            dtype = self.data.dtype   # in place keeps the tensor's dtype, as PyTorch's does
            self._become(lambda before: _in_dtype(recorded(before, other), dtype))
            return self
        data = self._in_place(symbol)
        ufunc(data, data_of(other), out=data)
        return self

    def add_(self, other: Any, alpha: float = 1.0) -> Tensor:
        """self += alpha·other, in place."""
        data = self._in_place("add_")
        other = other.data if isinstance(other, Value) else other
        if alpha == 1.0:
            data += other
        else:
            data += alpha * other
        return self

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place."""
        data = self._in_place("mul_")
        data *= data_of(other)
        return self

    def copy_(self, other: Any) -> Tensor:
        """Overwrite the values with `other`'s, in place."""
        data = self._in_place("copy_")
        data[...] = data_of(other)
        return self

    def zero_(self) -> Tensor:
        return self.copy_(0)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        self.requires_grad = flag
        return self



def _in_dtype(value: Tensor, dtype: np.dtype) -> Tensor:
    return value if value.data.dtype == dtype else value.astype(dtype)


def _checked_axes(axis: Axis, ndim: int, where: str) -> tuple[int, ...] | None:
    """`axis` checked against `ndim` (None stays None: every axis)."""
    return None if axis is None else normalize_axes(axis, ndim, where)


def _index_arrays(index: Any) -> Any:
    """Tensors and lists inside an index become integer (or boolean) arrays."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(part) for part in index)
    if isinstance(index, (Tensor, list)):
        return np.asarray(data_of(index))
    return index


Tensor._result_type = Tensor
