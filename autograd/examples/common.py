"""Small helpers the examples share."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Scalar, Tensor
from autograd.core.value import Value
from autograd.tools.draw import graph_values


def leaf(kind: type, value: float, name: str) -> Any:
    """A named input: a Scalar, or a float64 0-d Tensor."""
    if kind is Tensor:
        return Tensor(value, requires_grad=True, dtype=np.float64, name=name)
    return Scalar(value, name=name)


def named(output: Value) -> dict[str, Value]:
    """The named values of the graph leading to `output`, by name."""
    return {v.name: v for v in graph_values(output) if v.name}


def grads_of(output: Value, *names: str) -> dict[str, float]:
    values = named(output)
    return {n: float(np.asarray(values[n].grad)) for n in names}


