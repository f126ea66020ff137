"""gradcheck: compare the engine's gradients with central differences, in float64.

For every element xᵢ of every input that requires grad:
    numerical ∂L/∂xᵢ ≈ (L(x + ε·eᵢ) − L(x − ε·eᵢ)) / 2ε
and it must satisfy |analytic − numerical| ≤ atol + rtol·|numerical| (PyTorch's criterion and
defaults). A non-scalar output f(x) is reduced to L = Σ r ⊙ f(x) with a fixed random r, which
checks the vector-Jacobian product the backward pass computes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograd.core.grad_mode import no_grad
from autograd.core.value import Value
from autograd.scalar import Scalar
from autograd.tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when an analytic gradient disagrees with the numerical one."""


def _scalar_objective(fn: Callable[..., Value], inputs: Sequence[Value]) -> Callable[[], Value]:
    """L() = fn(*inputs), projected onto a fixed random direction when it is not one number."""
    probe = fn(*inputs)
    if isinstance(probe, Scalar) or (isinstance(probe, Tensor) and probe.size == 1):
        return lambda: fn(*inputs)
    if not isinstance(probe, Tensor):
        raise TypeError(f"gradcheck: fn must return a Scalar or Tensor, got {type(probe).__name__}")
    weights = Tensor(np.random.default_rng(0).standard_normal(probe.shape), dtype=np.float64)
    return lambda: (fn(*inputs) * weights).sum()


def gradcheck(fn: Callable[..., Value], inputs: Sequence[Value], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """True if fn's backward agrees with central differences for every input that requires grad.

    On failure it raises `GradcheckError` naming the input, the worst index and both values
    (or returns False with `raise_exception=False`). Tensor inputs must be float64.
    """
    inputs = list(inputs)
    for position, value in enumerate(inputs):
        if isinstance(value, Tensor) and value.requires_grad and value.dtype != np.float64:
            raise TypeError(f"gradcheck: input {position} is {value.dtype}; central differences "
                            "need float64 (Tensor(..., dtype=np.float64))")
    checked = [(i, v) for i, v in enumerate(inputs) if isinstance(v, Value) and v.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    objective = _scalar_objective(fn, inputs)

    saved = [v.grad for _, v in checked]
    for _, value in checked:
        value.grad = None
    try:
        objective().backward()
        analytic = [np.zeros(np.shape(v.data)) if v.grad is None else _read_grad(v)
                    for _, v in checked]
    finally:
        for (_, value), grad in zip(checked, saved):
            value.grad = grad

    with no_grad():
        for (position, value), exact in zip(checked, analytic):
            numerical = _central_differences(objective, value, eps)
            error = np.abs(exact - numerical) - (atol + rtol * np.abs(numerical))
            if error.size and error.max() > 0:
                if not raise_exception:
                    return False
                worst = np.unravel_index(int(np.argmax(error)), error.shape)
                label = f" ({value.name!r})" if value.name else ""
                where = f" at index {tuple(int(i) for i in worst)}" if error.ndim else ""
                raise GradcheckError(
                    f"gradcheck: gradient of input {position}{label}, shape "
                    f"{np.shape(value.data)}, is wrong{where}: analytic {exact[worst]:.8g}, "
                    f"numerical {numerical[worst]:.8g} (tolerance {atol} + {rtol}·|numerical|)"
                )
    return True


def _number(value: Value) -> float:
    return float(np.asarray(value.data).reshape(()))


def _read_grad(value: Value) -> np.ndarray:
    return np.array(value.grad, dtype=np.float64)


def _central_differences(objective: Callable[[], Value], value: Value, eps: float) -> np.ndarray:
    if isinstance(value, Scalar):
        original = value.data
        value.data = original + eps
        plus = _number(objective())
        value.data = original - eps
        minus = _number(objective())
        value.data = original
        return np.asarray((plus - minus) / (2 * eps))
    data = value.data
    numerical = np.zeros(data.shape)
    for index in np.ndindex(data.shape):
        original = data[index]
        data[index] = original + eps
        plus = _number(objective())
        data[index] = original - eps
        minus = _number(objective())
        data[index] = original
        numerical[index] = (plus - minus) / (2 * eps)
    return numerical


def gradgradcheck(fn: Callable[..., Value], inputs: Sequence[Value], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """True if fn's second derivatives agree with central differences of its first.

    For y = fn(x) and an upstream gradient v, the first derivatives g(x, v) = vᵀ·∂y/∂x are
    computed by a recorded backward pass (`autograd.grad(..., create_graph=True)`), which makes
    g a function like any other; `gradcheck` then compares its backward — the derivative of a
    derivative, with respect to x and to v — with central differences of g. PyTorch's
    gradgradcheck, with its criterion; v is drawn at random (fixed seed), as are the weights
    that make the several gradients one number.
    """
    from autograd.core.engine import grad
    from autograd.core.grad_mode import enable_grad

    inputs = list(inputs)
    rng = np.random.default_rng(1)
    probe = fn(*inputs)
    if isinstance(probe, Scalar):
        upstream: Value = Scalar(float(rng.standard_normal()), requires_grad=True)
    else:
        upstream = Tensor(rng.standard_normal(np.shape(probe.data)), requires_grad=True,
                          dtype=np.float64)
    wanted = [v for v in inputs if isinstance(v, Value) and v.requires_grad]
    first = grad(probe, wanted, upstream, create_graph=True, allow_unused=True)
    weights = [rng.standard_normal(np.shape(g.data)) for g in first if g is not None]

    def first_derivatives(*values: Value) -> Value:
        with enable_grad():   # gradcheck's differences run under no_grad; g needs its graph
            grads = grad(fn(*values[:-1]), wanted, values[-1], create_graph=True,
                         allow_unused=True)
            used = [g for g in grads if g is not None]
            terms = [(g * w).sum() if isinstance(g, Tensor) else g * float(w)
                     for g, w in zip(used, weights)]
            if not terms:
                raise ValueError("gradgradcheck: no input's gradient depends on anything")
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return total

    return gradcheck(first_derivatives, [*inputs, upstream], eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
