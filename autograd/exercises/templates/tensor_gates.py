"""Exercise `tensor_gates` — gates on arrays, and broadcasting undone (block 4).

backward must return each input's gradient in that input's own shape: where forward
broadcast an input (a bias added to every row), its gradient sums over the copies.
"""

from autograd import Function


class MatMul(Function):
    """Z = A @ B for A (n, k), B (k, m). Write Zᵢⱼ = Σₖ AᵢₖBₖⱼ, derive ∂L/∂Aᵢₖ and ∂L/∂Bₖⱼ
    entry by entry, then write each as one matrix product (check the shapes)."""

    @staticmethod
    def forward(ctx, a, b):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Linear(Function):
    """z = x·W + b over a batch: x (N, in), W (in, out), b (out,) added to every row.

    Return (∂L/∂x, ∂L/∂W, ∂L/∂b), shapes (N, in), (in, out), (out,): b is used by every row."""

    @staticmethod
    def forward(ctx, x, w, b):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Sum(Function):
    """z = Σ of x along `axis` (an int; the axis disappears). Each xᵢ feeds one zⱼ: with which
    weight? Return (∂L/∂x, None): the axis gets no gradient."""

    @staticmethod
    def forward(ctx, x, axis):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Mean(Function):
    """z = the mean of x along `axis` (an int; the axis disappears). Return (∂L/∂x, None)."""

    @staticmethod
    def forward(ctx, x, axis):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class BroadcastAdd(Function):
    """z = x + y, where numpy broadcasts x and y to a common shape (a missing leading axis, or
    an axis of size 1, is repeated). Return ∂L/∂x and ∂L/∂y in the shapes of x and y: an
    entry copied to several places receives the gradients of all its copies."""

    @staticmethod
    def forward(ctx, x, y):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
