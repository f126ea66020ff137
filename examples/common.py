"""Small helpers the examples share."""

from __future__ import annotations

import numpy as np

from autograd import Scalar, Tensor
from autograd.value import Value


def leaf(kind: type, value: float, name: str) -> Value:
    """A named input: a Scalar, or a float64 0-d Tensor."""
    if kind is Tensor:
        return Tensor(value, requires_grad=True, dtype=np.float64, name=name)
    return Scalar(value, name=name)


def named(output: Value) -> dict[str, Value]:
    """The named values of the graph leading to `output`, by name."""
    return {v.name: v for v in all_values(output) if v.name}


def all_values(output: Value) -> list[Value]:
    seen, stack, out = {id(output)}, [output], []
    while stack:
        value = stack.pop()
        out.append(value)
        if value.grad_fn is not None:
            for parent in value.grad_fn.inputs:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
    return out


def grads_of(output: Value, *names: str) -> dict[str, float]:
    values = named(output)
    return {n: float(np.asarray(values[n].grad)) for n in names}


