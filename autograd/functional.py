"""Whole derivatives of a function, built from backward passes: `vjp`, `jacobian`, `hessian`, `hvp`.

PyTorch's `torch.autograd.functional`, with its names and return conventions. Each is a few
calls of `autograd.grad`:

- a vector-Jacobian product vᵀ·J is one backward pass with upstream gradient v;
- the Jacobian J (shape: output shape + input shape) is one such pass per output entry, with v
  the one-hot vector of that entry: row i of J is ∂yᵢ/∂x;
- the Hessian of a one-number function is the Jacobian of its gradient, which exists as a
  function because `create_graph=True` records the gradient's own graph;
- a Hessian-vector product H·v is the gradient of g(x)ᵀv with g = ∇f (H is symmetric): two
  passes, never the whole n×n matrix.

(`F`, the neural-network functions, is `autograd.nn.functional`.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.core.engine import grad
from autograd.core.grad_mode import enable_grad
from autograd.core.value import Value
from autograd.gates.shape import Reshape, Stack
from autograd.scalar import Scalar
from autograd.tensor import Tensor

Inputs = Value | Sequence[Value]


def _listed(inputs: Inputs) -> list[Value]:
    values = [inputs] if isinstance(inputs, Value) else list(inputs)
    for position, value in enumerate(values):
        if not isinstance(value, Value):
            raise TypeError(f"functional: input {position} is a {type(value).__name__}, not a "
                            "Scalar or Tensor")
    return values


def _as_given(inputs: Inputs, results: list[Any]) -> Any:
    """One result for one input, a tuple for a sequence of them (PyTorch's convention)."""
    return results[0] if isinstance(inputs, Value) else tuple(results)


def _differentiable(values: list[Value]) -> list[Value]:
    """The inputs as leaves of a new graph: the same data, requiring grad."""
    return [Tensor._wrap(v.data, None).requires_grad_() if isinstance(v, Tensor)
            else Scalar(v.data) for v in values]


def _leaves(values: list[Value], create_graph: bool) -> list[Value]:
    """What func is called on (PyTorch's convention): without create_graph, new leaves with the
    inputs' data; with it, an input that requires grad itself, so the results' graphs lead back
    to it, and an input that does not as a new leaf of the graph being made."""
    if not create_graph:
        return _differentiable(values)
    return [v if v.requires_grad else _differentiable([v])[0] for v in values]


def _zeros_like(value: Value) -> Value:
    return value._result_type._wrap(np.zeros_like(value.data), None)


def _filled(grads: Sequence[Value | None], values: Sequence[Value]) -> list[Value]:
    """The gradients, zeros for an input they did not reach (`allow_unused`'s None)."""
    return [g if g is not None else _zeros_like(x) for g, x in zip(grads, values)]


def vjp(func: Callable[..., Value], inputs: Inputs, v: Any = None,
        create_graph: bool = False) -> tuple[Value, Any]:
    """(func(inputs), vᵀ·∂func/∂inputs): one backward pass with upstream gradient v."""
    values = _leaves(_listed(inputs), create_graph)
    with enable_grad():
        output = func(*values)
    grads = grad(output, values, v, create_graph=create_graph, allow_unused=True)
    return _result(output, create_graph), _as_given(inputs, _filled(grads, values))


def jacobian(func: Callable[..., Value], inputs: Inputs, create_graph: bool = False) -> Any:
    """∂func/∂inputs: for an output y and an input x, a Tensor of shape y.shape + x.shape whose
    entry [i, j] is ∂yᵢ/∂xⱼ (a tuple, one per input, when `inputs` is a sequence). One backward
    pass per entry of y. With `create_graph`, the result has a graph (for higher derivatives)."""
    given = _listed(inputs)
    values = _leaves(given, create_graph)
    with enable_grad():
        output = func(*values)
    return _as_given(inputs, _jacobian_rows(output, values, create_graph))


def _jacobian_rows(output: Value, values: list[Value], create_graph: bool) -> list[Value]:
    out_shape = np.shape(output.data)
    if out_shape and any(isinstance(x, Scalar) for x in values):
        raise TypeError("jacobian: a Scalar input needs a one-number output")
    if not output.requires_grad:   # no input reaches the output: every derivative is 0
        return [_zeros_like_shape(x, out_shape) for x in values]
    rows: list[list[Value]] = [[] for _ in values]
    for entry in range(int(np.prod(out_shape, dtype=int))):
        one_hot = np.zeros(out_shape, dtype=np.result_type(output.data))
        one_hot.flat[entry] = 1
        grads = grad(output, values, one_hot if out_shape else None, retain_graph=True,
                     create_graph=create_graph, allow_unused=True)
        for row, g in zip(rows, _filled(grads, values)):
            row.append(g)
    return [_joined(row, out_shape, x) for row, x in zip(rows, values)]


def _zeros_like_shape(value: Value, out_shape: tuple[int, ...]) -> Value:
    zeros = np.zeros((*out_shape, *np.shape(value.data)), dtype=np.result_type(value.data))
    return value._result_type._wrap(zeros, None)


def _joined(row: list[Value], out_shape: tuple[int, ...], value: Value) -> Value:
    """The per-entry gradients as one value of shape out_shape + value's shape."""
    if len(row) == 1 and not out_shape:
        return row[0]
    stacked = Stack.apply(*row, axis=0)
    return Reshape.apply(stacked, (*out_shape, *np.shape(value.data)))


def hessian(func: Callable[..., Value], inputs: Inputs, create_graph: bool = False) -> Any:
    """The second derivatives of a one-number func: for one input x, a Tensor of shape
    x.shape + x.shape with [i, j] = ∂²f/∂xᵢ∂xⱼ; for a sequence of inputs, a tuple of tuples
    (block [a][b] = ∂²f/∂xₐ∂x_b). The Jacobian of the gradient, recorded by create_graph=True."""
    given = _listed(inputs)
    values = _leaves(given, create_graph)

    def gradient(*xs: Value) -> list[Value]:
        output = func(*xs)
        if np.size(output.data) != 1:
            raise ValueError(f"hessian: func must return one number, got shape "
                             f"{np.shape(output.data)}")
        grads = grad(output, list(xs), create_graph=True, allow_unused=True)
        return _filled(grads, xs)

    with enable_grad():
        first = gradient(*values)
    blocks = [_jacobian_rows(g, values, create_graph) for g in first]
    if isinstance(inputs, Value):
        return blocks[0][0]
    return tuple(tuple(row) for row in blocks)


def hvp(func: Callable[..., Value], inputs: Inputs, v: Any,
        create_graph: bool = False) -> tuple[Value, Any]:
    """(func(inputs), H·v) for a one-number func, without forming H: the gradient of
    ∇f(x)ᵀv, two backward passes (`v` has the inputs' shape; a tuple of them for several)."""
    given = _listed(inputs)
    values = _leaves(given, create_graph)
    directions = [v] if isinstance(inputs, Value) else list(v)
    if len(directions) != len(values):
        raise ValueError(f"hvp: {len(values)} inputs but {len(directions)} directions v")
    with enable_grad():
        output = func(*values)
        first = grad(output, values, create_graph=True, allow_unused=True)
        terms: list[Any] = [_dot(g, np.asarray(getattr(d, "data", d)))
                            for g, d in zip(first, directions) if g is not None]
        total: Any = sum(terms[1:], terms[0]) if terms else None
        if total is None or not total.requires_grad:   # f is linear: its Hessian is 0
            second: Sequence[Value | None] = [None] * len(values)
        else:
            second = grad(total, values, create_graph=create_graph, allow_unused=True)
    return _result(output, create_graph), _as_given(inputs, _filled(second, values))


def _result(output: Value, create_graph: bool) -> Value:
    """func's output as returned: with its graph only when one is being created (as PyTorch)."""
    return output if create_graph else output._result_type._wrap(output.data, None)


def _dot(g: Value, direction: np.ndarray) -> Value:
    """gᵀd as one number (recorded)."""
    if isinstance(g, Scalar):
        return g * float(direction)
    if direction.shape != np.shape(g.data):
        raise ValueError(f"hvp: v of shape {direction.shape} for an input of shape "
                         f"{np.shape(g.data)}")
    return (g * Tensor._wrap(direction.astype(g.data.dtype), None)).sum()
