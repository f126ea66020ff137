"""Broadcasting, undone: a gradient that came back in a broadcast shape is summed to its input's.

The rule is the chain rule at a copy: if y = broadcast(x), each entry of x fed every entry of y it
was copied to, so ∂L/∂x is the sum of ∂L/∂y over those copies.
"""

from __future__ import annotations

import numpy as np

from autograd.core.kernels import leading_sum


def sum_to_shape(grad: np.ndarray, shape: tuple[int, ...], where: str = "backward") -> np.ndarray:
    """Sum `grad` over the axes that broadcasting added or stretched, giving an array of `shape`."""
    if grad.shape == shape:
        return grad
    if grad.ndim >= 2 and grad.shape[-1:] == shape and grad.dtype.kind == "f" and grad.size:
        return leading_sum(grad)   # a bias: sum the rows
    extra = grad.ndim - len(shape)
    fits = extra >= 0 and all(
        n == g or n == 1 for n, g in zip(shape, grad.shape[extra:])
    )
    if not fits:
        raise ValueError(
            f"{where}: a gradient of shape {grad.shape} cannot be summed to the input's shape "
            f"{shape}"
        )
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    summed = grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True)
    return summed.reshape(shape)


def normalize_axes(axis: int | tuple[int, ...] | None, ndim: int, where: str) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative axes (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    result = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{where}: axis {a} is out of range for an array of {ndim} dimensions")
        result.append(int(a) % max(ndim, 1))
    if len(set(result)) != len(result):
        raise ValueError(f"{where}: repeated axis in {axis}")
    return tuple(sorted(result))
