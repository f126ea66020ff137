"""The matrix product, for 1-D, 2-D and batched operands (batch axes broadcast), and the fused
affine map of a layer of neurons."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function
from autograd.core.kernels import leading_sum


def _product_of_rows(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """x (..., in) · W (in, out) (+ b) as one 2-D product over the stacked rows of x (numpy's
    batched product is much slower for a stack of rows times one matrix)."""
    z = x.reshape(-1, x.shape[-1]) @ w
    if b is not None:
        z += b
    return z.reshape(*x.shape[:-1], w.shape[1])


def _product_of_rows_grads(x: np.ndarray, w: np.ndarray, grad: np.ndarray, need_x: bool,
                           need_w: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """For z = x·W over the stacked rows of x: ∂L/∂x = g·Wᵀ, ∂L/∂W = xᵀ·g (summed over rows)."""
    rows, grad_rows = x.reshape(-1, x.shape[-1]), grad.reshape(-1, grad.shape[-1])
    return ((grad_rows @ w.T).reshape(x.shape) if need_x else None), \
        (rows.T @ grad_rows if need_w else None)


def _swap_last(x: Any) -> Any:
    """x with its last two axes swapped (recorded)."""
    axes = list(range(x.ndim))
    axes[-2:] = axes[-1], axes[-2]
    return x.transpose(*axes)


class MatMul(Function):
    """Z = A @ B, Zᵢⱼ = Σₖ AᵢₖBₖⱼ;  ∂L/∂A = ∂L/∂Z @ Bᵀ, ∂L/∂B = Aᵀ @ ∂L/∂Z

    A 1-D operand is a row (left) or column (right) vector whose size-1 axis is dropped from Z,
    as in numpy; batch axes broadcast and the engine sums the gradients back over them.
    """

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner dimensions do not match")
        ctx.save_for_backward(a, b)
        if a.ndim > 2 and b.ndim == 2:   # a stack of rows times one matrix
            return _product_of_rows(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim > 2 and b.ndim == 2:   # as in forward
            return _product_of_rows_grads(a, b, grad, need_a, need_b)
        a_is_vector, b_is_vector = a.ndim == 1, b.ndim == 1
        if a_is_vector and b_is_vector:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        # Restore the axes a 1-D operand dropped, so that both rules are plain matrix products.
        if a_is_vector:
            a, grad = a[None, :], np.expand_dims(grad, -2)
        if b_is_vector:
            b, grad = b[:, None], grad[..., None]
        grad_a = grad_b = None
        if need_a:
            grad_a = np.matmul(grad, np.swapaxes(b, -1, -2))
            grad_a = grad_a[..., 0, :] if a_is_vector else grad_a
        if need_b:
            grad_b = np.matmul(np.swapaxes(a, -1, -2), grad)
            grad_b = grad_b[..., 0] if b_is_vector else grad_b
        return grad_a, grad_b

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        # as in backward: restore the axes a 1-D operand dropped
        if a.ndim == 1:
            a, grad = a.reshape(1, -1), grad.unsqueeze(-2)
        if b.ndim == 1:
            b, grad = b.reshape(-1, 1), grad.unsqueeze(-1)
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ _swap_last(b)
            grad_a = grad_a[..., 0, :] if ctx.inputs[0].ndim == 1 else grad_a
        if need_b:
            grad_b = _swap_last(a) @ grad
            grad_b = grad_b[..., 0] if ctx.inputs[1].ndim == 1 else grad_b
        return grad_a, grad_b


class Linear(Function):
    """z = x·W + b, a layer of neurons: z_j = Σᵢ xᵢ·w_ij + b_j for every row x of the input;
    ∂L/∂x = g·Wᵀ,  ∂L/∂W = xᵀ·g (summed over all rows: Δw_ij ∝ δ_j·x_i),  ∂L/∂b = Σ_rows g

    x (..., in), W (in, out), b (out,). One gate where MatMul and Add would be two, as PyTorch
    runs a linear layer as one operation.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        if x.ndim == 0 or w.ndim != 2 or b.shape != (w.shape[1],) or x.shape[-1] != w.shape[0]:
            raise ValueError(f"linear: input {x.shape}, weight {w.shape} and bias {b.shape} do "
                             "not fit (need (..., in), (in, out) and (out,))")
        ctx.save_for_backward(x, w)
        return _product_of_rows(x, w, b)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_x, grad_w = _product_of_rows_grads(x, w, grad, need_x, need_w)
        return grad_x, grad_w, (leading_sum(grad) if need_b else None)

    @staticmethod
    def composition(x: Any, w: Any, b: Any) -> Any:
        return x @ w + b
