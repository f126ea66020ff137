"""The arithmetic that Scalar and Tensor share: each operator is one gate's `apply`."""

from __future__ import annotations

from typing import Any

from autograd.gates.elementwise import (
    Add,
    Divide,
    Exp,
    Log,
    Multiply,
    Negate,
    Power,
    Relu,
    Sigmoid,
    Sqrt,
    Subtract,
    Tanh,
)
from autograd.value import Value


class Arithmetic(Value):
    """`+ − × ÷ **` (with a number on either side), unary minus and the elementwise functions.

    A Python number becomes a constant value of the same kind (it requires no grad), so it
    shows up in the graph like any other input. (A value of the other kind is refused by
    `Function.apply`, which names the gate.)
    """

    __slots__ = ()

    def _lift(self, other: Any) -> Value:
        raise NotImplementedError

    def __add__(self, other: Any) -> Any:
        return Add.apply(self, other if isinstance(other, Value) else self._lift(other))

    def __radd__(self, other: Any) -> Any:
        return Add.apply(other if isinstance(other, Value) else self._lift(other), self)

    def __sub__(self, other: Any) -> Any:
        return Subtract.apply(self, other if isinstance(other, Value) else self._lift(other))

    def __rsub__(self, other: Any) -> Any:
        return Subtract.apply(other if isinstance(other, Value) else self._lift(other), self)

    def __mul__(self, other: Any) -> Any:
        return Multiply.apply(self, other if isinstance(other, Value) else self._lift(other))

    def __rmul__(self, other: Any) -> Any:
        return Multiply.apply(other if isinstance(other, Value) else self._lift(other), self)

    def __truediv__(self, other: Any) -> Any:
        return Divide.apply(self, other if isinstance(other, Value) else self._lift(other))

    def __rtruediv__(self, other: Any) -> Any:
        return Divide.apply(other if isinstance(other, Value) else self._lift(other), self)

    def __pow__(self, other: Any) -> Any:
        return Power.apply(self, other if isinstance(other, Value) else self._lift(other))

    def __rpow__(self, other: Any) -> Any:
        return Power.apply(other if isinstance(other, Value) else self._lift(other), self)

    def __neg__(self) -> Any:
        return Negate.apply(self)

    def exp(self) -> Any:
        return Exp.apply(self)

    def log(self) -> Any:
        return Log.apply(self)

    def sqrt(self) -> Any:
        return Sqrt.apply(self)

    def tanh(self) -> Any:
        return Tanh.apply(self)

    def sigmoid(self) -> Any:
        return Sigmoid.apply(self)

    def relu(self) -> Any:
        return Relu.apply(self)
