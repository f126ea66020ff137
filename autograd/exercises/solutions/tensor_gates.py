"""Reference solution of `tensor_gates`: the library's gates, each gradient summed back to its
input's shape with the library's own rule (autograd/core/broadcast.py)."""

from autograd import Function
from autograd.core.broadcast import sum_to_shape
from autograd.gates import linalg, reduce


class MatMul(linalg.MatMul):
    """∂L/∂A = ∂L/∂Z @ Bᵀ, ∂L/∂B = Aᵀ @ ∂L/∂Z"""


class Linear(linalg.Linear):
    """∂L/∂x = g Wᵀ, ∂L/∂W = xᵀ g, ∂L/∂b = Σ over rows of g"""


class Sum(reduce.Sum):
    """∂L/∂x = g copied along the summed axis"""


class Mean(reduce.Mean):
    """∂L/∂x = g copied along the axis, divided by its length"""


class BroadcastAdd(Function):
    """∂L/∂x = g summed over the axes x was broadcast along (likewise y)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = (x.shape, y.shape)
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return tuple(sum_to_shape(grad, shape) for shape in ctx.shapes)
