"""Neural-network operations on Tensors (import as `F`). Each is one gate from `gates/`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.core.kernels import channel_sum
from autograd.core.tensor import Tensor
from autograd.core.value import Value, data_of
from autograd.gates.activation import Dropout, Gelu
from autograd.gates.conv import Conv1d
from autograd.gates.elementwise import Maximum, Minimum
from autograd.gates.indexing import Embedding, Where
from autograd.gates.linalg import Linear
from autograd.gates.norm import BatchNorm, LayerNorm
from autograd.gates.recurrent import GRUCell, LSTMCell
from autograd.gates.shape import Concat, Stack
from autograd.gates.softmax import CrossEntropy, LogSoftmax, MaskedSoftmax, Softmax


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x·W + b for x (..., in) and W (in, out) stored input-major, as `Linear` keeps it (the
    transpose of PyTorch's F.linear layout). One fused gate with a bias; a product without."""
    return x @ weight if bias is None else Linear.apply(x, weight, bias)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / Σ exp(x) along `axis`."""
    return Softmax.apply(x, axis=axis)


def masked_softmax(x: Tensor, mask: Any, scale: float = 1.0) -> Tensor:
    """softmax(scale·x) along the last axis, with the entries where `mask` (broadcast to x) is
    true left out: attention's weights, `mask` hiding the future. One fused gate."""
    return MaskedSoftmax.apply(x, np.asarray(data_of(mask), dtype=bool), scale=scale)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x − log Σ exp(x) along `axis`, without forming exp(x) of large numbers."""
    return LogSoftmax.apply(x, axis=axis)


def cross_entropy(logits: Tensor, targets: Any, ignore_index: int | None = None) -> Tensor:
    """Mean over targets of −log softmax(logits)[target]; targets equal to `ignore_index` skip.

    logits (..., C); targets (...) integer class indices (a Tensor, ndarray or list).
    """
    return CrossEntropy.apply(logits, np.asarray(data_of(targets)), ignore_index=ignore_index)


def embedding(weight: Tensor, indices: Any) -> Tensor:
    """Rows of `weight` (V, D) picked by integer `indices` of any shape → (*indices.shape, D)."""
    return Embedding.apply(weight, np.asarray(data_of(indices)))


def concat(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    return Concat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    return Stack.apply(*tensors, axis=axis)


def split(x: Tensor, split_size: int | list[int], axis: int = 0) -> tuple[Tensor, ...]:
    """x cut into pieces along `axis` (see Tensor.split)."""
    return x.split(split_size, axis=axis)


def where(condition: Any, a: Tensor, b: Tensor) -> Tensor:
    """Elementwise `a` where `condition` is true, else `b` (all three broadcast)."""
    if not isinstance(a, Value) and isinstance(b, Tensor):
        a = b._lift(a)
    if not isinstance(b, Value) and isinstance(a, Tensor):
        b = a._lift(b)
    return Where.apply(np.asarray(data_of(condition), dtype=bool), a, b)


def batch_norm(x: Tensor, weight: Tensor, bias: Tensor, running_mean: np.ndarray | None = None,
               running_var: np.ndarray | None = None, training: bool = True,
               eps: float = 1e-5) -> Tensor:
    """Batch normalisation of x (N, C) or (N, C, L) per channel C: with this batch's statistics
    when training (or when no running ones are given), else with the running ones."""
    if x.ndim not in (2, 3) or weight.shape != (x.shape[1],) or bias.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: x of shape {x.shape} needs (N, C) or (N, C, L) with "
                         f"weight and bias of shape (C,), got {weight.shape} and {bias.shape}")
    axes, mean, var = batch_statistics(x)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1)
    if training or running_mean is None or running_var is None:
        batch = True
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        batch = False
    return BatchNorm.apply(x, weight.reshape(*shape), bias.reshape(*shape), mean, var, eps=eps,
                           axes=axes, batch_stats=batch)


def batch_statistics(x: Tensor) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """The axes batch norm reduces for x (N, C) or (N, C, L), and x's mean and (biased)
    variance over them, kept as size-1 axes."""
    axes = (0,) if x.ndim == 2 else (0, 2)
    count = x.size // x.shape[1]
    mean = channel_sum(x.data) / count
    centred = x.data - mean
    centred *= centred
    return axes, mean, channel_sum(centred) / count


def gelu(x: Tensor) -> Tensor:
    """GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    return Gelu.apply(x)


def layer_norm(x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise the last axis to zero mean and unit variance, then scale and shift."""
    return LayerNorm.apply(x, weight, bias, eps=eps)


def conv1d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
           padding: int = 0, dilation: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as in PyTorch) of x (N, C_in, L) with weight
    (C_out, C_in, K) → (N, C_out, L_out), L_out = ⌊(L + 2·padding − dilation·(K − 1) − 1)/stride⌋ + 1.
    """
    return Conv1d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation)


def dropout(x: Tensor, p: float, training: bool = True,
            rng: np.random.Generator | None = None) -> Tensor:
    """Zero each entry with probability p and scale the rest by 1/(1 − p) (identity when not
    training or p = 0). `rng` makes the mask reproducible."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    mask = keep.astype(x.dtype) / np.asarray(1.0 - p, dtype=x.dtype)
    return Dropout.apply(x, mask)


def maximum(a: Tensor, b: Tensor | float) -> Tensor:
    """The larger of a and b, entry by entry (broadcast); a tie sends half the gradient to each."""
    return Maximum.apply(a, b if isinstance(b, Value) else a._lift(b))


def minimum(a: Tensor, b: Tensor | float) -> Tensor:
    """The smaller of a and b, entry by entry (broadcast); a tie sends half the gradient to each."""
    return Minimum.apply(a, b if isinstance(b, Value) else a._lift(b))



def lstm_cell(a: Tensor, h: Tensor, c: Tensor, w_h: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step (h', c') from the input's pre-activations a = x·W_x + b (…, 4H), the state
    (h, c) and the recurrent weight W_h (H, 4H), gates in PyTorch's order i, f, g, o. One fused
    gate; see `gates.recurrent.LSTMCell` for the math."""
    return LSTMCell.apply(a, h, c, w_h)


def gru_cell(a: Tensor, h: Tensor, w_h: Tensor, b_h: Tensor) -> Tensor:
    """One GRU step h' from the input's pre-activations a = x·W_x + b (…, 3H), the state h and
    the recurrent weight W_h (H, 3H) and bias b_h (3H), gates in PyTorch's order r, z, n. One fused
    gate; see `gates.recurrent.GRUCell` for the math."""
    return GRUCell.apply(a, h, w_h, b_h)
