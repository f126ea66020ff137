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
from autograd.gates.logexp import Exp2, Log2, Log10, LogAddExp
from autograd.gates.rounding import Ceil, Floor, Fmod, Remainder, Round, Sign, Trunc
from autograd.gates.trig import Acos, Asin, Atan, Atan2, Cosh, Sinh, Tan

Self = TypeVar("Self", bound="ElementwiseOperators")


class ElementwiseOperators(Value):
    """`+ − × ÷ **` (with a number on either side), unary minus and the elementwise functions.

    A Python number becomes a constant value of the same kind (it requires no grad), so it
    shows up in the graph like any other input. (A value of the other kind is refused by
    `Function.apply`, which names the gate.)
    """

    __slots__ = ()

    def _as_operand(self: Self, other: Any) -> Self:
        """A Python number (or array) as a constant value of this kind, to combine with."""
        raise NotImplementedError

    def __add__(self: Self, other: Any) -> Self:
        return Add._apply_two(self, other if isinstance(other, Value) else self._as_operand(other))

    def __radd__(self: Self, other: Any) -> Self:
        return Add._apply_two(other if isinstance(other, Value) else self._as_operand(other), self)

    def __sub__(self: Self, other: Any) -> Self:
        return Subtract._apply_two(self, other if isinstance(other, Value) else self._as_operand(other))

    def __rsub__(self: Self, other: Any) -> Self:
        return Subtract._apply_two(other if isinstance(other, Value) else self._as_operand(other), self)

    def __mul__(self: Self, other: Any) -> Self:
        return Multiply._apply_two(self, other if isinstance(other, Value) else self._as_operand(other))

    def __rmul__(self: Self, other: Any) -> Self:
        return Multiply._apply_two(other if isinstance(other, Value) else self._as_operand(other), self)

    def __truediv__(self: Self, other: Any) -> Self:
        return Divide._apply_two(self, other if isinstance(other, Value) else self._as_operand(other))

    def __rtruediv__(self: Self, other: Any) -> Self:
        return Divide._apply_two(other if isinstance(other, Value) else self._as_operand(other), self)

    def __pow__(self: Self, other: Any) -> Self:
        return Power._apply_two(self, other if isinstance(other, Value) else self._as_operand(other))

    def __rpow__(self: Self, other: Any) -> Self:
        return Power._apply_two(other if isinstance(other, Value) else self._as_operand(other), self)

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

    # --- more of PyTorch's elementwise functions (gates in trig, rounding, logexp) ------------
    def _other(self: Self, other: Any) -> Self:
        return other if isinstance(other, Value) else self._as_operand(other)  # type: ignore[return-value]

    def tan(self: Self) -> Self:
        return Tan._apply_one(self)

    def sinh(self: Self) -> Self:
        return Sinh._apply_one(self)

    def cosh(self: Self) -> Self:
        return Cosh._apply_one(self)

    def asin(self: Self) -> Self:
        return Asin._apply_one(self)

    def acos(self: Self) -> Self:
        return Acos._apply_one(self)

    def atan(self: Self) -> Self:
        return Atan._apply_one(self)

    def atan2(self: Self, other: Any) -> Self:
        """The angle of the point (other, self): atan2(y=self, x=other), as PyTorch."""
        return Atan2._apply_two(self, self._other(other))

    def sign(self: Self) -> Self:
        return Sign._apply_one(self)

    def floor(self: Self) -> Self:
        return Floor._apply_one(self)

    def ceil(self: Self) -> Self:
        return Ceil._apply_one(self)

    def round(self: Self, decimals: int = 0) -> Self:
        """Halves to even, as PyTorch (2.5 → 2); zero gradient."""
        return Round.apply(self, decimals=decimals) if decimals else Round._apply_one(self)

    def trunc(self: Self) -> Self:
        return Trunc._apply_one(self)

    def square(self: Self) -> Self:
        """x·x (one Multiply gate)."""
        return Multiply._apply_two(self, self)

    def reciprocal(self: Self) -> Self:
        """1/x (one Divide gate)."""
        return Divide._apply_two(self._as_operand(1.0), self)

    def rsqrt(self: Self) -> Self:
        """1/√x as x ** −½ (one Power gate)."""
        return Power._apply_two(self, self._as_operand(-0.5))

    def log2(self: Self) -> Self:
        return Log2._apply_one(self)

    def log10(self: Self) -> Self:
        return Log10._apply_one(self)

    def exp2(self: Self) -> Self:
        return Exp2._apply_one(self)

    def logaddexp(self: Self, other: Any) -> Self:
        """ln(eˣ + eʸ) without overflow."""
        return LogAddExp._apply_two(self, self._other(other))

    def lerp(self: Self, end: Any, weight: Any) -> Self:
        """self + weight·(end − self), as PyTorch's lerp (weight a number or a value; composed
        of Subtract, Multiply and Add)."""
        return self + weight * (self._other(end) - self)

    def fmod(self: Self, other: Any) -> Self:
        """x − trunc(x/y)·y: the sign of x (C's fmod)."""
        return Fmod._apply_two(self, self._other(other))

    def remainder(self: Self, other: Any) -> Self:
        """x − ⌊x/y⌋·y: the sign of y (Python's %, PyTorch's remainder)."""
        return Remainder._apply_two(self, self._other(other))

    def __mod__(self: Self, other: Any) -> Self:
        return Remainder._apply_two(self, self._other(other))

    def __rmod__(self: Self, other: Any) -> Self:
        return Remainder._apply_two(self._other(other), self)
