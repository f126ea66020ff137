"""Exercise `softmax` — softmax, its Jacobian as a vector-Jacobian product, and softmax with
cross-entropy (block 3).

Rows are examples: x (N, C). backward receives grad = ∂L/∂z of forward's output's shape.
"""

from autograd import Function


class Softmax(Function):
    """zᵢ = e^{xᵢ} / Σⱼ e^{xⱼ} along the last axis (subtract the row's max first: same result,
    no overflow).

    Derive the Jacobian ∂zᵢ/∂xⱼ (two cases, i = j and i ≠ j), then the vector-Jacobian product
    ∂L/∂xⱼ = Σᵢ gᵢ ∂zᵢ/∂xⱼ without building the C×C matrix."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class SoftmaxCrossEntropy(Function):
    """L = (1/N) Σₙ −ln softmax(xₙ)[tₙ]: logits x (N, C), targets t (N,) integer classes.

    backward(ctx, grad) returns (∂L/∂x, None), grad = ∂L/∂L' being one number. Derive
    ∂L/∂xₙⱼ through the softmax (the lecture's result for sigmoid + cross-entropy has the same
    shape); remember the 1/N."""

    @staticmethod
    def forward(ctx, x, t):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
