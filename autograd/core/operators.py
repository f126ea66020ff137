"""The arithmetic that Scalar and Tensor share: each operator is one gate's `apply`.

The operators take the gates' short paths (`_apply_one`, `_apply_two`), which skip reading the
arguments; they do what `apply` does."""

from __future__ import annotations

from typing import Any, TypeVar

from autograd.core.value import Value
from autograd.gates.elementwise import (
    Abs,
    Add,
    Clamp,
    Cos,
    Divide,
    Erf,
    Exp,
    Expm1,
    Log,
    Log1p,
    Multiply,
    Negate,
    Power,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Subtract,
    Tanh,
)

Self = TypeVar("Self", bound="Arithmetic")


class Arithmetic(Value):
    """`+ − × ÷ **` (with a number on either side), unary minus and the elementwise functions.

    A Python number becomes a constant value of the same kind (it requires no grad), so it
    shows up in the graph like any other input. (A value of the other kind is refused by
    `Function.apply`, which names the gate.)
    """

    __slots__ = ()

    def _lift(self: Self, other: Any) -> Self:
        raise NotImplementedError

    def __add__(self: Self, other: Any) -> Self:
        return Add._apply_two(self, other if isinstance(other, Value) else self._lift(other))

    def __radd__(self: Self, other: Any) -> Self:
        return Add._apply_two(other if isinstance(other, Value) else self._lift(other), self)

    def __sub__(self: Self, other: Any) -> Self:
        return Subtract._apply_two(self, other if isinstance(other, Value) else self._lift(other))

    def __rsub__(self: Self, other: Any) -> Self:
        return Subtract._apply_two(other if isinstance(other, Value) else self._lift(other), self)

    def __mul__(self: Self, other: Any) -> Self:
        return Multiply._apply_two(self, other if isinstance(other, Value) else self._lift(other))

    def __rmul__(self: Self, other: Any) -> Self:
        return Multiply._apply_two(other if isinstance(other, Value) else self._lift(other), self)

    def __truediv__(self: Self, other: Any) -> Self:
        return Divide._apply_two(self, other if isinstance(other, Value) else self._lift(other))

    def __rtruediv__(self: Self, other: Any) -> Self:
        return Divide._apply_two(other if isinstance(other, Value) else self._lift(other), self)

    def __pow__(self: Self, other: Any) -> Self:
        return Power._apply_two(self, other if isinstance(other, Value) else self._lift(other))

    def __rpow__(self: Self, other: Any) -> Self:
        return Power._apply_two(other if isinstance(other, Value) else self._lift(other), self)

    def __neg__(self: Self) -> Self:
        return Negate._apply_one(self)

    def exp(self: Self) -> Self:
        return Exp._apply_one(self)

    def log(self: Self) -> Self:
        return Log._apply_one(self)

    def sqrt(self: Self) -> Self:
        return Sqrt._apply_one(self)

    def tanh(self: Self) -> Self:
        return Tanh._apply_one(self)

    def sigmoid(self: Self) -> Self:
        return Sigmoid._apply_one(self)

    def relu(self: Self) -> Self:
        return Relu._apply_one(self)

    def abs(self: Self) -> Self:
        return Abs._apply_one(self)

    def sin(self: Self) -> Self:
        return Sin._apply_one(self)

    def cos(self: Self) -> Self:
        return Cos._apply_one(self)

    def log1p(self: Self) -> Self:
        return Log1p._apply_one(self)

    def expm1(self: Self) -> Self:
        return Expm1._apply_one(self)

    def erf(self: Self) -> Self:
        return Erf._apply_one(self)

    def clamp(self: Self, min: float | None = None, max: float | None = None) -> Self:
        """Each entry limited to [min, max] (PyTorch's names; either may be None)."""
        return Clamp.apply(self, min, max)

    def __abs__(self: Self) -> Self:
        return Abs._apply_one(self)
