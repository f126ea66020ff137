"""Tensors made from a shape: `zeros`, `ones`, `full`, `randn`, `arange` and the `_like` forms,
with PyTorch's names and its default dtype (float32)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.tensor import Tensor

Shape = int | tuple[int, ...]


def full(shape: Shape, value: float, dtype: Any = np.float32, requires_grad: bool = False
         ) -> Tensor:
    return Tensor(np.full(shape, value, dtype=dtype), requires_grad=requires_grad)


def zeros(shape: Shape, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return full(shape, 0.0, dtype, requires_grad)


def ones(shape: Shape, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return full(shape, 1.0, dtype, requires_grad)


def zeros_like(tensor: Tensor, requires_grad: bool = False) -> Tensor:
    return zeros(tensor.shape, tensor.dtype, requires_grad)


def ones_like(tensor: Tensor, requires_grad: bool = False) -> Tensor:
    return ones(tensor.shape, tensor.dtype, requires_grad)


def randn(shape: Shape, dtype: Any = np.float32, requires_grad: bool = False,
          rng: np.random.Generator | int | None = None) -> Tensor:
    """Standard normal entries; `rng` (a Generator or a seed) makes them reproducible."""
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return Tensor(generator.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """start, start + step, … below stop (numpy's arange; integers stay integers)."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(values if dtype is None else values.astype(dtype))
