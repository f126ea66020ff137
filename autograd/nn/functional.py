"""Neural-network operations on Tensors (import as `F`). Each is one gate from `gates/`, or (as
silu and mish) a short composition of gates, said in its docstring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.core.broadcast import normalize_axes
from autograd.core.kernels import channel_sum
from autograd.core.value import Value, data_of
from autograd.gates.activation import (
    Dropout,
    Gelu,
    Hardswish,
    LeakyRelu,
    LogSigmoid,
    Relu6,
    Softplus,
)
from autograd.gates.arrange import Pad, pad_widths
from autograd.gates.conv import Conv1d, Conv2d, pair
from autograd.gates.einsum import LETTERS, Einsum
from autograd.gates.elementwise import Maximum, Minimum
from autograd.gates.indexing import Embedding, Where
from autograd.gates.linalg import Linear
from autograd.gates.norm import BatchNorm, LayerNorm
from autograd.gates.pool import AvgPool2d, MaxPool2d
from autograd.gates.recurrent import GRUCell, LSTMCell
from autograd.gates.shape import Concat, Stack
from autograd.gates.softmax import CrossEntropy, LogSoftmax, MaskedSoftmax, Softmax
from autograd.tensor import Tensor


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
        a = b._as_operand(a)
    if not isinstance(b, Value) and isinstance(a, Tensor):
        b = a._as_operand(b)
    return Where.apply(np.asarray(data_of(condition), dtype=bool), a, b)


def batch_norm(x: Tensor, weight: Tensor, bias: Tensor, running_mean: np.ndarray | None = None,
               running_var: np.ndarray | None = None, training: bool = True,
               eps: float = 1e-5) -> Tensor:
    """Batch normalisation of x (N, C), (N, C, L) or (N, C, H, W) per channel C: with this batch's statistics
    when training (or when no running ones are given), else with the running ones."""
    if x.ndim not in (2, 3, 4) or weight.shape != (x.shape[1],) or bias.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: x of shape {x.shape} needs (N, C), (N, C, L) or "
                         f"(N, C, H, W) with weight and bias of shape (C,), got {weight.shape} "
                         f"and {bias.shape}")
    axes, mean, var = batch_statistics(x)
    shape = (1, -1, *(1,) * (x.ndim - 2))
    if training or running_mean is None or running_var is None:
        batch = True
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        batch = False
    return BatchNorm.apply(x, weight.reshape(*shape), bias.reshape(*shape), mean, var, eps=eps,
                           axes=axes, batch_stats=batch)


def batch_statistics(x: Tensor) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """The axes batch norm reduces for x (N, C, *) — every axis but the channels — and x's
    mean and (biased) variance over them, kept as size-1 axes."""
    axes = (0, *range(2, x.ndim))
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
    return Maximum.apply(a, b if isinstance(b, Value) else a._as_operand(b))


def minimum(a: Tensor, b: Tensor | float) -> Tensor:
    """The smaller of a and b, entry by entry (broadcast); a tie sends half the gradient to each."""
    return Minimum.apply(a, b if isinstance(b, Value) else a._as_operand(b))



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


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
        ) -> Tensor:
    """x with `value` (default 0) added around it: `pad` lists (before, after) widths from the
    last axis backwards, PyTorch's order — (1, 2) pads the last axis, (1, 2, 0, 3) the last two;
    a negative width cuts. Only mode 'constant' (the other modes are not gates here)."""
    if mode != "constant":
        raise ValueError(f"pad: mode {mode!r} is not supported; only 'constant'")
    return Pad.apply(x, pad_widths(pad, x.ndim), 0.0 if value is None else float(value))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, PyTorch's `torch.einsum`: `einsum("bhqd,bhkd->bhqk", q, k)`, with
    '...' for broadcast axes and, without '->', the letters used once in alphabetical order as
    output. The operands may also come as one list. One Einsum gate (`gates/einsum.py`)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str) or not operands:
        raise TypeError("einsum: needs an equation (a string) and at least one operand")
    first: Any = next((x for x in operands if isinstance(x, Value)), None)
    if first is None:
        raise TypeError("einsum: needs at least one Tensor operand")
    return Einsum.apply(equation, *(x if isinstance(x, Value) else first._as_operand(x)
                                    for x in operands))


def tensordot(a: Tensor, b: Tensor, dims: int | Sequence[Any] = 2) -> Tensor:
    """Σ over paired axes of a and b (PyTorch's `torch.tensordot`): `dims` = n pairs a's last n
    axes with b's first n; `dims` = (axes of a, axes of b) pairs them as listed. The result's
    axes are a's unpaired ones, then b's. An einsum (one Einsum gate)."""
    shape_a, shape_b = np.shape(data_of(a)), np.shape(data_of(b))
    paired_a, paired_b = _paired_axes(dims, len(shape_a), len(shape_b))
    if len(paired_a) != len(paired_b) or \
            any(shape_a[i] != shape_b[j] for i, j in zip(paired_a, paired_b)):
        raise ValueError(f"tensordot: axes {paired_a} of shape {shape_a} and {paired_b} of "
                         f"shape {shape_b} do not pair up (equal counts and sizes)")
    left = list(LETTERS[:len(shape_a)])
    right = list(LETTERS[len(shape_a):len(shape_a) + len(shape_b)])
    for i, j in zip(paired_a, paired_b):
        right[j] = left[i]
    output = [c for k, c in enumerate(left) if k not in paired_a] + \
        [c for k, c in enumerate(right) if k not in paired_b]
    return einsum(f"{''.join(left)},{''.join(right)}->{''.join(output)}", a, b)


def _paired_axes(dims: Any, ndim_a: int, ndim_b: int) -> tuple[list[int], list[int]]:
    """tensordot's `dims` as the axes of a and of b that are summed over, pair by pair."""
    if isinstance(dims, (int, np.integer)):
        if not 0 <= dims <= min(ndim_a, ndim_b):
            raise ValueError(f"tensordot: dims={dims} for tensors of {ndim_a} and {ndim_b} "
                             "dimensions")
        return list(range(ndim_a - dims, ndim_a)), list(range(dims))
    if len(dims) != 2:
        raise ValueError(f"tensordot: dims must be an int or (axes of a, axes of b), got {dims}")
    listed = [[d] if isinstance(d, (int, np.integer)) else list(d) for d in dims]
    return ([normalize_axes(int(i), ndim_a, "tensordot")[0] for i in listed[0]],
            [normalize_axes(int(j), ndim_b, "tensordot")[0] for j in listed[1]])


# --- PyTorch's other activations (gates in gates/activation.py, or compositions) ---------------
def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1/β)·ln(1 + e^{βx}), and x itself where βx > threshold (PyTorch's defaults). One gate."""
    if beta <= 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta}")
    return Softplus.apply(x, beta=beta, threshold=threshold)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope·x. One gate."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6); gradient 0 at both kinks, as PyTorch. One gate."""
    return Relu6.apply(x)


def silu(x: Tensor) -> Tensor:
    """x·σ(x) (SiLU, or swish), composed of Sigmoid and Multiply."""
    return x * x.sigmoid()


def hardswish(x: Tensor) -> Tensor:
    """x·relu6(x + 3)/6, with PyTorch's gradients at the kinks ±3. One gate."""
    return Hardswish.apply(x)


def mish(x: Tensor) -> Tensor:
    """x·tanh(softplus(x)), composed of Softplus, Tanh and Multiply."""
    return x * softplus(x).tanh()


def logsigmoid(x: Tensor) -> Tensor:
    """ln σ(x), exact in both tails (never ln of a rounded σ). One gate."""
    return LogSigmoid.apply(x)


# --- torch-level functions of two values and scans (as maximum and minimum above) -------------
def atan2(y: Tensor, x: Tensor | float) -> Tensor:
    """The angle of the point (x, y) in (−π, π], entry by entry (see Tensor.atan2)."""
    return y.atan2(x)


def logaddexp(a: Tensor, b: Tensor | float) -> Tensor:
    """ln(eᵃ + eᵇ) entry by entry, without overflow."""
    return a.logaddexp(b)


def lerp(start: Tensor, end: Tensor | float, weight: Tensor | float) -> Tensor:
    """start + weight·(end − start)."""
    return start.lerp(end, weight)


def fmod(a: Tensor, b: Tensor | float) -> Tensor:
    """a − trunc(a/b)·b (the sign of a)."""
    return a.fmod(b)


def remainder(a: Tensor, b: Tensor | float) -> Tensor:
    """a − ⌊a/b⌋·b (the sign of b), as a % b."""
    return a.remainder(b)


def logsumexp(x: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
              ) -> Tensor:
    """ln Σ exp(x) over the axes, without overflow (see Tensor.logsumexp)."""
    return x.logsumexp(axis=axis, keepdims=keepdims)


def cumsum(x: Tensor, axis: int) -> Tensor:
    """The running sums along `axis`."""
    return x.cumsum(axis)


def cumprod(x: Tensor, axis: int) -> Tensor:
    """The running products along `axis` (gradient exact at zeros)."""
    return x.cumprod(axis)


# --- 2-D convolution and pooling (gates in gates/conv.py and gates/pool.py) -------------------
def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
           dilation: int | tuple[int, int] = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of x (N, C_in, H, W) with weight
    (C_out, C_in, KH, KW) → (N, C_out, H_out, W_out), each output size as conv1d's L_out;
    stride, padding and dilation an int or an (h, w) pair. One fused gate."""
    return Conv2d.apply(x, weight, bias, stride=pair(stride, "conv2d", "stride"),
                        padding=pair(padding, "conv2d", "padding"),
                        dilation=pair(dilation, "conv2d", "dilation"))


def max_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
               dilation: int | tuple[int, int] = 1) -> Tensor:
    """The maximum of each window of x (N, C, H, W), per channel; stride defaults to
    kernel_size, padding (at most half the kernel) counts as −∞, as PyTorch. One gate."""
    sizes = pair(kernel_size, "max_pool2d", "kernel_size")
    return MaxPool2d.apply(x, sizes, sizes if stride is None else pair(stride, "max_pool2d", "stride"),
                           padding=pair(padding, "max_pool2d", "padding"),
                           dilation=pair(dilation, "max_pool2d", "dilation"))


def avg_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """The mean of each window of x (N, C, H, W), per channel; stride defaults to kernel_size,
    padding counts as zeros and in the count (PyTorch's count_include_pad=True). One gate."""
    sizes = pair(kernel_size, "avg_pool2d", "kernel_size")
    return AvgPool2d.apply(x, sizes, sizes if stride is None else pair(stride, "avg_pool2d", "stride"),
                           padding=pair(padding, "avg_pool2d", "padding"))
