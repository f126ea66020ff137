"""Softmax and the losses built on it: softmax, attention's masked softmax, log-softmax,
cross-entropy."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function, times_constant
from autograd.core.kernels import first_out_of_range, last_axis_max, last_axis_sum
from autograd.gates.indexing import Index


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


def _softmax_backward_recorded(z: Any, grad: Any, axis: int) -> Any:
    """`_softmax_backward` with recorded operations (z, grad values)."""
    return z * (grad - (grad * z).sum(axis=axis, keepdims=True))


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return _softmax_backward_recorded(out, grad, ctx.axis)


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return _softmax_backward_recorded(out, grad, -1) * ctx.scale, None


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

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        return grad - out.exp() * grad.sum(axis=ctx.axis, keepdims=True)


class CrossEntropy(Function):
    """L = (1/N) Σₙ −log softmax(xₙ)[tₙ] over the N targets not equal to ignore_index;
    ∂L/∂xₙ = (softmax(xₙ) − onehot(tₙ)) / N  — "observed minus target", as for sigmoid + CE.

    logits (..., C), targets (...) of integer class indices. Computed from log-sum-exp, so it
    never overflows.
    With every target ignored the loss is NaN (0/0) and the gradient 0, as in PyTorch, so one
    all-padding batch leaves the weights as they are.
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
        bad = first_out_of_range(flat_t if valid is None else flat_t[valid], classes)
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
        if ctx.count == 0:   # every target ignored: the loss is NaN but no weight moves (PyTorch)
            return np.zeros(ctx.shape, dtype=e.dtype), None
        scale = grad / ctx.count
        dx = e * (scale / total)[:, None]
        dx[rows, targets] -= scale
        if valid is not None:
            dx *= valid[:, None]
        return dx.reshape(ctx.shape), None

    @staticmethod
    def composition(logits: Any, targets: np.ndarray, ignore_index: int | None = None) -> Any:
        flat_t = np.asarray(targets).reshape(-1)
        log_p = LogSoftmax.apply(logits.reshape(-1, logits.shape[-1]), -1)
        valid = np.ones(flat_t.shape, bool) if ignore_index is None else flat_t != ignore_index
        picked = Index.apply(log_p, (np.arange(flat_t.size), np.where(valid, flat_t, 0)))
        picked = times_constant(picked, valid)
        return -picked.sum() / max(int(valid.sum()), 1)   # all ignored: 0, whose gradient is 0
