"""Neural-network gates, fused where a fused rule is both faster and more stable."""

from __future__ import annotations

import math

import numpy as np

from autograd.broadcast import (
    channel_sum,
    last_axis_max,
    last_axis_sum,
    leading_sum,
    scatter_add_rows,
)
from autograd.function import Context, Function


def _max(x: np.ndarray, axis: int) -> np.ndarray:
    return last_axis_max(x) if axis in (-1, x.ndim - 1) else np.max(x, axis=axis, keepdims=True)


def _sum(x: np.ndarray, axis: int) -> np.ndarray:
    return last_axis_sum(x) if axis in (-1, x.ndim - 1) else np.sum(x, axis=axis, keepdims=True)


def _exp_normalised(shifted: np.ndarray, axis: int) -> np.ndarray:
    """exp(shifted) / Σ exp(shifted) along `axis`, in place; `shifted` = x − max x, so that exp
    cannot overflow."""
    np.exp(shifted, out=shifted)
    shifted /= _sum(shifted, axis)
    return shifted


def _softmax_backward(z: np.ndarray, grad: np.ndarray, axis: int) -> np.ndarray:
    """∂L/∂x = z ⊙ (g − Σⱼ gⱼzⱼ) for z = softmax(x) along `axis`."""
    out = grad * z
    out -= z * _sum(out, axis)
    return out


class Softmax(Function):
    """zᵢ = e^{xᵢ} / Σⱼ e^{xⱼ};  ∂zᵢ/∂xⱼ = zᵢ(δᵢⱼ − zⱼ), so ∂L/∂x = z ⊙ (g − Σⱼ gⱼzⱼ)"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int = -1) -> np.ndarray:
        z = _exp_normalised(np.asarray(x - _max(x, axis)), axis)
        ctx.axis = axis
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (z,) = ctx.saved_tensors
        return _softmax_backward(z, grad, ctx.axis)


class MaskedSoftmax(Function):
    """Attention's weights: z = softmax(s·x) along the last axis, leaving out the entries where
    `mask` is true (they are set to −∞ first, so they get weight 0: a causal mask hides the
    future);  ∂L/∂x = s·z ⊙ (g − Σⱼ gⱼzⱼ), which is 0 at the masked entries.

    One gate for what would be a Multiply, a Where and a Softmax. A row with every entry masked
    has no softmax: its weights are NaN, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, mask: np.ndarray, scale: float = 1.0) -> np.ndarray:
        mask = np.asarray(mask, dtype=bool)
        z = x * np.asarray(scale, dtype=x.dtype)
        try:   # adding a 0/−∞ table the size of the mask is quicker than a masked copy
            z += np.where(mask, -np.inf, 0).astype(x.dtype, copy=False)
        except ValueError as error:
            raise ValueError(f"masked_softmax: a mask of shape {mask.shape} does not broadcast "
                             f"to scores of shape {x.shape}") from error
        with np.errstate(invalid="ignore"):   # a fully masked row: NaN, as documented
            z -= last_axis_max(z)
            _exp_normalised(z, -1)
        ctx.scale = scale
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None]:
        (z,) = ctx.saved_tensors
        out = _softmax_backward(z, grad, -1)
        if ctx.scale != 1.0:
            out *= np.asarray(ctx.scale, dtype=out.dtype)
        return out, None


class LogSoftmax(Function):
    """zᵢ = xᵢ − log Σⱼ e^{xⱼ};  ∂zᵢ/∂xⱼ = δᵢⱼ − softmax(x)ⱼ, so ∂L/∂x = g − softmax(x)·Σg"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int = -1) -> np.ndarray:
        shifted = x - _max(x, axis)
        z = shifted - np.log(_sum(np.exp(shifted), axis))
        ctx.axis = axis
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        (z,) = ctx.saved_tensors
        return grad - np.exp(z) * _sum(grad, ctx.axis)


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}   # by item size


def _out_of_range(indices: np.ndarray, size: int) -> int | None:
    """An entry of the integer array `indices` outside [0, size), or None if all fit.

    Seen as unsigned, a negative index is huge: one maximum checks both ends.
    """
    if not indices.size or np.maximum.reduce(indices.view(_UNSIGNED[indices.dtype.itemsize]),
                                             axis=None) < size:
        return None
    return int(indices[(indices < 0) | (indices >= size)].flat[0])


class CrossEntropy(Function):
    """L = (1/N) Σₙ −log softmax(xₙ)[tₙ] over the N targets not equal to ignore_index;
    ∂L/∂xₙ = (softmax(xₙ) − onehot(tₙ)) / N  — "observed minus target", as for sigmoid + CE.

    logits (..., C), targets (...) of integer class indices. Computed from log-sum-exp, so it
    never overflows.
    """

    @staticmethod
    def forward(ctx: Context, logits: np.ndarray, targets: np.ndarray,
                ignore_index: int | None = None) -> np.ndarray:
        targets = np.asarray(targets)
        classes = logits.shape[-1] if logits.ndim else 0
        if logits.ndim == 0 or logits.shape[:-1] != targets.shape:
            raise ValueError(f"cross_entropy: logits of shape {logits.shape} need targets of shape "
                             f"{logits.shape[:-1]}, got {targets.shape}")
        if targets.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: targets must be integer class indices, got "
                            f"{targets.dtype}")
        flat_x = logits.reshape(-1, classes)
        flat_t = targets.reshape(-1)
        valid = None if ignore_index is None else flat_t != ignore_index
        if valid is not None and valid.all():
            valid = None   # nothing is ignored: no masks below
        bad = _out_of_range(flat_t if valid is None else flat_t[valid], classes)
        if bad is not None:
            raise IndexError(f"cross_entropy: target {bad} is out of range for {classes} classes")
        safe_t = flat_t if valid is None else np.where(valid, flat_t, 0)
        rows = np.arange(flat_t.size)
        shifted = flat_x - last_axis_max(flat_x)
        e = np.exp(shifted)
        total = last_axis_sum(e)[:, 0]
        losses = np.log(total)
        losses -= shifted[rows, safe_t]
        count = flat_t.size if valid is None else int(valid.sum())
        if valid is not None:
            losses *= valid
        ctx.shape, ctx.count = logits.shape, count
        ctx.save_for_backward(e, total, rows, safe_t, valid)
        return np.asarray(losses.sum() / count if count else np.nan, dtype=logits.dtype)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None]:
        e, total, rows, targets, valid = ctx.saved_tensors
        scale = grad / ctx.count
        dx = e * (scale / total)[:, None]
        dx[rows, targets] -= scale
        if valid is not None:
            dx *= valid[:, None]
        return dx.reshape(ctx.shape), None


class Embedding(Function):
    """z = W[indices] (rows of the table);  ∂L/∂W[i] = Σ of ∂L/∂z over the positions reading row i"""

    @staticmethod
    def forward(ctx: Context, weight: np.ndarray, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"embedding: indices must be integers, got {indices.dtype}")
        bad = _out_of_range(indices, weight.shape[0])
        if bad is not None:
            raise IndexError(f"embedding: index {bad} is out of range for a table of "
                             f"{weight.shape[0]} rows")
        ctx.shape = weight.shape
        ctx.save_for_backward(indices)
        return weight.take(indices, axis=0)   # as weight[indices], with less overhead

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None]:
        (indices,) = ctx.saved_tensors
        rows = grad.reshape(indices.size, -1)
        return scatter_add_rows(indices, rows, ctx.shape[0]).reshape(ctx.shape), None


class Where(Function):
    """z = a where condition else b;  ∂z/∂a = condition, ∂z/∂b = not condition"""

    @staticmethod
    def forward(ctx: Context, condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[None, np.ndarray | None, np.ndarray | None]:
        (condition,) = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), dtype=grad.dtype)
        return (None, np.where(condition, grad, zero) if need_a else None,
                np.where(condition, zero, grad) if need_b else None)


_GELU_C = math.sqrt(2.0 / math.pi)


class Gelu(Function):
    """z = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)  (the tanh approximation);
    ∂z/∂x = ½(1 + tanh u) + ½x(1 − tanh²u)·∂u/∂x,  ∂u/∂x = √(2/π)(1 + 3·0.044715x²)

    Computed through the same function's other form ½(1 + tanh u) = σ(2u) = 1/(1 + e^{−2u}),
    so z = x·σ(2u) and ∂z/∂x = σ + 2x·σ(1 − σ)·∂u/∂x: numpy's exp is twice as quick as its tanh.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # in place where possible: these arrays are large and the formula has many steps
        s = np.asarray(x * x)   # an array even for 0-d x, so the in-place steps below work
        s *= -2 * 0.044715 * _GELU_C
        s -= 2 * _GELU_C
        s *= x                              # −2u
        with np.errstate(over="ignore"):    # e^{−2u} = ∞ for x ≪ 0 gives σ = 0: the right limit
            np.exp(s, out=s)
        s += 1
        np.reciprocal(s, out=s)             # σ(2u) = ½(1 + tanh u)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> np.ndarray:
        x, s = ctx.saved_tensors
        du = np.asarray(x * x)
        du *= 3 * 0.044715 * _GELU_C
        du += _GELU_C                       # ∂u/∂x
        du *= x
        slope = np.subtract(1, s, dtype=s.dtype)
        slope *= s
        slope *= du
        slope *= 2                          # 2x·σ(1 − σ)·∂u/∂x
        slope += s
        slope *= grad
        return slope


class LayerNorm(Function):
    """x̂ = (x − μ)/√(σ² + ε) over the last axis, z = x̂·w + b;
    ∂L/∂w = Σ g·x̂, ∂L/∂b = Σ g, ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(σ² + ε), ĝ = g·w"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray | None,
                bias: np.ndarray | None, eps: float = 1e-5) -> np.ndarray:
        width = x.shape[-1] if x.ndim else 0
        for label, p in (("weight", weight), ("bias", bias)):
            if p is not None and p.shape != (width,):
                raise ValueError(f"layer_norm: {label} of shape {p.shape} does not match the last "
                                 f"axis of x {x.shape}")
        x_hat = x - last_axis_sum(x) / width
        variance = np.einsum("...i,...i->...", x_hat, x_hat)[..., None] / x.shape[-1]
        inv_std = 1.0 / np.sqrt(variance + np.asarray(eps, dtype=x.dtype))
        x_hat *= inv_std
        ctx.save_for_backward(x_hat, inv_std, weight)
        z = x_hat if weight is None else x_hat * weight
        return z if bias is None else z + bias

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_hat, inv_std, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_w = leading_sum(grad * x_hat) if need_w else None
        grad_b = leading_sum(grad) if need_b else None
        grad_x = None
        if need_x:
            width = grad.shape[-1]
            g_hat = grad if weight is None else grad * weight
            projection = np.einsum("...i,...i->...", g_hat, x_hat)[..., None] / width
            grad_x = x_hat * projection
            np.subtract(g_hat, grad_x, out=grad_x)
            grad_x -= last_axis_sum(g_hat) / width
            grad_x *= inv_std
        return grad_x, grad_w, grad_b


class BatchNorm(Function):
    """x̂ = (x − μ)/√(σ² + ε) per channel, μ and σ² taken over `axes`; z = x̂·w + b.
    With batch statistics (μ, σ² of this x, M values per channel):
    ∂L/∂w = Σ g·x̂, ∂L/∂b = Σ g, ∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / √(σ² + ε), ĝ = g·w;
    with running statistics (constants): ∂L/∂x = ĝ / √(σ² + ε).
    `mean` and `var` come in precomputed (the module also needs them for its running averages).
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                mean: np.ndarray, var: np.ndarray, eps: float = 1e-5,
                axes: tuple[int, ...] = (0,), batch_stats: bool = True) -> np.ndarray:
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        x_hat = (x - mean.astype(x.dtype)) * inv_std
        ctx.axes, ctx.batch_stats = axes, batch_stats
        ctx.save_for_backward(x_hat, inv_std, weight)
        return x_hat * weight + bias

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x_hat, inv_std, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        count = x_hat.size // x_hat.shape[1]
        grad_x_hat = channel_sum(grad * x_hat)     # Σ g·x̂ per channel
        grad_b = channel_sum(grad)                 # Σ g per channel
        grad_x = None
        if need_x:
            g_hat = grad * weight
            if ctx.batch_stats:
                g_hat -= (grad_b * weight) / count
                g_hat -= x_hat * ((grad_x_hat * weight) / count)
            g_hat *= inv_std
            grad_x = g_hat
        return grad_x, (grad_x_hat if need_w else None), (grad_b if need_b else None)


def _windows(x: np.ndarray, size: int, stride: int, dilation: int) -> np.ndarray:
    """(N, C, L) → (N, C, L_out, K): the K taps each output position reads (a view, no copy)."""
    n, c, length = x.shape
    out = (length - dilation * (size - 1) - 1) // stride + 1
    if stride == size and dilation == 1:   # side by side, as when pairs merge: a reshape
        return x[:, :, :out * size].reshape(n, c, out, size)
    s_n, s_c, s_l = x.strides
    return np.lib.stride_tricks.as_strided(x, (n, c, out, size),
                                           (s_n, s_c, s_l * stride, s_l * dilation),
                                           writeable=False)


class Conv1d(Function):
    """z[n, o, l] = b[o] + Σ_c Σ_k w[o, c, k] · x[n, c, l·stride + k·dilation − padding];
    ∂L/∂w[o, c, k] = Σ_{n,l} g[n, o, l]·x[…], ∂L/∂x[…] = Σ_{o,k} g[n, o, l]·w[o, c, k]"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                stride: int = 1, padding: int = 0, dilation: int = 1) -> np.ndarray:
        if x.ndim != 3 or weight.ndim != 3 or x.shape[1] != weight.shape[1]:
            raise ValueError(f"conv1d: input (N, C, L) {x.shape} and weight (C_out, C_in, K) "
                             f"{weight.shape} do not match")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"conv1d: bias of shape {bias.shape} for {weight.shape[0]} outputs")
        if stride < 1 or dilation < 1 or padding < 0:
            raise ValueError(f"conv1d: stride {stride} and dilation {dilation} must be ≥ 1, "
                             f"padding {padding} ≥ 0")
        out_ch, in_ch, size = weight.shape
        padded = np.pad(x, ((0, 0), (0, 0), (padding, padding))) if padding else x
        if padded.shape[2] < dilation * (size - 1) + 1:
            raise ValueError(f"conv1d: input length {x.shape[2]} (+2·{padding} padding) is shorter "
                             f"than the kernel's span {dilation * (size - 1) + 1}")
        cols = _windows(padded, size, stride, dilation)           # (N, C, L_out, K)
        n, _, length, _ = cols.shape
        cols = cols.transpose(0, 2, 1, 3).reshape(n * length, in_ch * size)
        z = (cols @ weight.reshape(out_ch, in_ch * size).T).reshape(n, length, out_ch)
        if bias is not None:
            z += bias
        ctx.geometry = (x.shape, stride, padding, dilation)
        ctx.save_for_backward(cols, weight)
        return np.ascontiguousarray(z.transpose(0, 2, 1))

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        cols, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        (n, in_ch, length), stride, padding, dilation = ctx.geometry
        out_ch, _, size = weight.shape
        g = grad.transpose(0, 2, 1)                                # (N, L_out, C_out)
        grad_b = np.sum(g, axis=(0, 1)) if need_b else None
        grad_w = None
        if need_w:
            flat = g.reshape(-1, out_ch).T @ cols.reshape(-1, in_ch * size)
            grad_w = flat.reshape(weight.shape)
        grad_x = None
        if need_x:
            g_cols = (g.reshape(-1, out_ch) @ weight.reshape(out_ch, in_ch * size)).reshape(
                n, -1, in_ch, size)
            padded = np.zeros((n, in_ch, length + 2 * padding), dtype=grad.dtype)
            out_len = g_cols.shape[1]
            if stride == size and dilation == 1:   # windows side by side: each position once
                padded[:, :, :out_len * size] = g_cols.transpose(0, 2, 1, 3).reshape(n, in_ch, -1)
            else:
                for k in range(size):  # each tap adds its share back to the positions it read
                    start = k * dilation
                    padded[:, :, start:start + stride * (out_len - 1) + 1:stride] += (
                        g_cols[:, :, :, k].transpose(0, 2, 1))
            grad_x = padded[:, :, padding:padding + length]
        return grad_x, grad_w, grad_b


class Dropout(Function):
    """z = x·m with m = keep/(1 − p) drawn once per call;  ∂z/∂x = m"""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray, None]:
        (mask,) = ctx.saved_tensors
        return grad * mask, None
