"""Layers: Linear, Embedding, Conv1d, Conv2d, MaxPool2d, AvgPool2d, LayerNorm, BatchNorm1d,
BatchNorm2d, Dropout, Sequential, ModuleList.

Initialisation follows PyTorch's defaults, so results carry over: weights and biases of Linear,
Conv1d and Conv2d ~ U(−1/√fan_in, 1/√fan_in); Embedding ~ N(0, 1); norms start at weight 1, bias 0.
Every layer takes `dtype` (float32 by default) and `rng` (a numpy Generator, for reproducible
initialisation).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from autograd.core.grad_mode import no_grad
from autograd.gates.conv import pair
from autograd.nn import functional as F
from autograd.nn.module import Module, Parameter
from autograd.tensor import Tensor


def _rng(rng: np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng() if rng is None else rng


def _uniform(rng: np.random.Generator | None, shape: tuple[int, ...], fan_in: int,
             dtype: Any) -> Parameter:
    bound = 1.0 / np.sqrt(fan_in)
    return Parameter(_rng(rng).uniform(-bound, bound, shape).astype(dtype))


class Linear(Module):
    """y = x @ W + b, with W of shape (in_features, out_features).

    W is stored input-major (the transpose of PyTorch's layout) so that the product reads as the
    lecture's net_j = Σ_i w_ij·x_i, with no transpose in the graph.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float32, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = _uniform(rng, (in_features, out_features), in_features, dtype)
        self.bias = _uniform(rng, (out_features,), in_features, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{self.in_features} → {self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """y = W[indices]: one learned row of W (num_embeddings, embedding_dim) per token."""

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(_rng(rng).standard_normal((num_embeddings, embedding_dim))
                                .astype(dtype))

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(self.weight, indices)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Conv1d(Module):
    """A 1-D convolution over (N, C_in, L); see `F.conv1d`. Weight (C_out, C_in, kernel_size)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, dilation: int = 1, bias: bool = True, dtype: Any = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        fan_in = in_channels * kernel_size
        self.weight = _uniform(rng, (out_channels, in_channels, kernel_size), fan_in, dtype)
        self.bias = _uniform(rng, (out_channels,), fan_in, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (f"{self.in_channels} → {self.out_channels}, kernel {self.kernel_size}, "
                f"stride {self.stride}, padding {self.padding}, dilation {self.dilation}")


class Conv2d(Module):
    """A 2-D convolution over (N, C_in, H, W); see `F.conv2d`. Weight (C_out, C_in, KH, KW);
    kernel_size, stride, padding and dilation an int or an (h, w) pair."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1, bias: bool = True, dtype: Any = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "Conv2d", "kernel_size")
        if min(in_channels, out_channels, *self.kernel_size) < 1:
            raise ValueError(f"Conv2d: in_channels {in_channels}, out_channels {out_channels} and "
                             f"kernel_size {self.kernel_size} must be ≥ 1")
        self.stride, self.padding, self.dilation = stride, padding, dilation
        fan_in = in_channels * self.kernel_size[0] * self.kernel_size[1]
        self.weight = _uniform(rng, (out_channels, in_channels, *self.kernel_size), fan_in, dtype)
        self.bias = _uniform(rng, (out_channels,), fan_in, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (f"{self.in_channels} → {self.out_channels}, kernel {self.kernel_size}, "
                f"stride {self.stride}, padding {self.padding}, dilation {self.dilation}")


class MaxPool2d(Module):
    """The maximum of each window, per channel; see `F.max_pool2d`."""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
                 dilation: int | tuple[int, int] = 1) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = (
            kernel_size, stride, padding, dilation)

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel {self.kernel_size}, stride {self.stride or self.kernel_size}"


class AvgPool2d(Module):
    """The mean of each window, per channel; see `F.avg_pool2d`."""

    def __init__(self, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] | None = None,
                 padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel {self.kernel_size}, stride {self.stride or self.kernel_size}"


class LayerNorm(Module):
    """Normalise the last axis to mean 0 and variance 1, then scale by w and shift by b."""

    def __init__(self, dim: int, eps: float = 1e-5, dtype: Any = np.float32) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps
        self.weight = Parameter(np.ones(dim, dtype=dtype))
        self.bias = Parameter(np.zeros(dim, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.dim}"


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share: normalise each channel (axis 1) over every other
    axis, x̂ = (x − μ_B)/√(σ²_B + ε), y = x̂·w + b.

    Training uses the batch's statistics and updates running ones (momentum 0.1, the variance
    unbiased, as PyTorch); evaluation uses the running statistics.
    """

    running_mean: Tensor   # buffers, registered in __init__
    running_var: Tensor
    _layouts: tuple[str, ...]   # the input shapes the layer takes, by their axes' names

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype))
        self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
        self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))

    def forward(self, x: Tensor) -> Tensor:
        ranks = [layout.count(",") + 1 for layout in self._layouts]
        if x.ndim not in ranks or x.shape[1] != self.num_features:
            expected = " or ".join(f"({layout})" for layout in self._layouts).replace(
                "C", str(self.num_features))
            raise ValueError(f"{type(self).__name__}: expected {expected}, got {x.shape}")
        out = F.batch_norm(x, self.weight, self.bias, self.running_mean.data,
                           self.running_var.data, self.training, self.eps)
        if self.training:
            _, mean, var = F.batch_statistics(x)
            self._update_running(mean, var, x.size // self.num_features)
        return out

    @no_grad()
    def _update_running(self, mean: np.ndarray, var: np.ndarray, count: int) -> None:
        unbiased = var * (count / max(count - 1, 1))
        m = self.momentum
        self.running_mean.data = ((1 - m) * self.running_mean.data + m * mean.reshape(-1)).astype(
            self.running_mean.dtype)
        self.running_var.data = ((1 - m) * self.running_var.data + m * unbiased.reshape(-1)).astype(
            self.running_var.dtype)

    def extra_repr(self) -> str:
        return f"{self.num_features}"


class BatchNorm1d(_BatchNorm):
    """Batch norm of input (N, C) or (N, C, L), per channel (see `_BatchNorm`)."""

    _layouts = ("N, C", "N, C, L")


class BatchNorm2d(_BatchNorm):
    """Batch norm of input (N, C, H, W), per channel over N, H and W (see `_BatchNorm`)."""

    _layouts = ("N, C, H, W",)


class Dropout(Module):
    """In training, zero each entry with probability p and scale the rest by 1/(1 − p).

    `rng` (a numpy Generator) draws the masks; give several layers one generator to make a
    training run reproducible from a single state.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = _rng(rng)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class ModuleList(Module):
    """A list of modules, registered as `0`, `1`, … (e.g. a Transformer's blocks)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> None:
        setattr(self, str(len(self._modules)), module)

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __len__(self) -> int:
        return len(self._modules)


class Sequential(ModuleList):
    """Apply the given modules one after the other."""

    def __init__(self, *modules: Module) -> None:
        super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x
