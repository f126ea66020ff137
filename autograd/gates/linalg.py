"""The matrix product, for 1-D, 2-D and batched operands (batch axes broadcast), and the fused
affine map of a layer of neurons."""

from __future__ import annotations

import numpy as np

from autograd.broadcast import leading_sum
from autograd.function import Context, Function


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
        if a.ndim > 2 and b.ndim == 2:   # a stack of rows times one matrix: one 2-D product
            return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim > 2 and b.ndim == 2:   # as in forward: flatten the batch into rows
            rows, width = a.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
            return ((width @ b.T).reshape(a.shape) if need_a else None), \
                (rows.T @ width if need_b else None)
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
        rows = x.reshape(-1, x.shape[-1])
        z = rows @ w
        z += b
        ctx.save_for_backward(rows, w)
        ctx.input_shape = x.shape
        return z.reshape(*x.shape[:-1], w.shape[1])

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        rows, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        grad_rows = grad.reshape(-1, grad.shape[-1])
        grad_x = (grad_rows @ w.T).reshape(ctx.input_shape) if need_x else None
        grad_w = rows.T @ grad_rows if need_w else None
        grad_b = leading_sum(grad_rows) if need_b else None
        return grad_x, grad_w, grad_b
