"""`Scalar`: one float with a gradient — the hand-sized graphs of the lectures."""

from __future__ import annotations

import numbers
from typing import Any

from autograd.core.function import Context
from autograd.core.node import Node
from autograd.core.value import Value, bare_instance, data_of
from autograd.operators import ElementwiseOperators


class Scalar(ElementwiseOperators):
    """A float node. `.data` and `.grad` are plain floats you may read and set.

    Unlike a Tensor, every Scalar keeps its gradient after backward, intermediate results
    included, so a whole hand-drawn graph can be checked node by node. `.grad` starts at 0.0 and
    accumulates across backward calls until reset (`x.grad = 0.0`, or None).
    """

    __slots__ = ()
    _keep_grad = True

    def __init__(self, data: float, name: str | None = None, requires_grad: bool = True) -> None:
        if isinstance(data, Value) or not isinstance(data, numbers.Real):
            raise TypeError(f"Scalar: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.grad_fn = None
        self.name = name
        self._requires_grad = bool(requires_grad)

    @classmethod
    def _wrap(cls, data: Any, ctx: Context | None) -> Scalar:
        out = bare_instance(Scalar)
        out.data = data if data.__class__ is float else float(data)
        out.grad = 0.0
        out.grad_fn = ctx
        out._requires_grad = ctx is not None
        return out

    def _as_operand(self, other: Any) -> Scalar:
        if other.__class__ is float or other.__class__ is int:   # the common case, quickly
            return Scalar._wrap(float(other), None)
        if isinstance(other, Scalar):
            return other
        if isinstance(other, numbers.Real) and not isinstance(other, Value):
            return Scalar(float(other), requires_grad=False)
        raise TypeError(f"Scalar: cannot combine with {type(other).__name__}; use Scalar or a "
                        "number (Tensors combine only with Tensors)")

    def _fit_grad(self, grad: Any, ctx: Node | None) -> float:
        return grad if grad.__class__ is float else float(grad)

    def _store_grad(self, grad: float) -> None:
        self.grad = grad if self.grad is None else self.grad + grad

    def _default_grad(self) -> float:
        return 1.0

    def _check_root_grad(self, grad: Any) -> float:
        return float(grad)

    # Comparisons of the values, as Python's; not differentiable.
    def __lt__(self, other: Any) -> bool:
        return self.data < data_of(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= data_of(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > data_of(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= data_of(other)

    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f"name={self.name!r}, " if self.name else ""
        grad = "None" if self.grad is None else f"{float(self.grad):.6g}"
        return f"Scalar({label}data={self.data:.6g}, grad={grad})"


Scalar._result_type = Scalar
