"""Exercise `attention` — the causally masked softmax of one attention head (block 7).

The checker builds a head from it: q, k, v = x·W_q, x·W_k, x·W_v, A = MaskedSoftmax(q·kᵀ,
causal mask, 1/√d), out = A·v, and compares its whole backward pass with the reference's.
"""

from autograd import Function


class MaskedSoftmax(Function):
    """z = softmax(s·x) along the last axis, leaving out the entries where `mask` is true (they
    get weight 0: position t may not look at t' > t). x (…, T, T), mask (T, T) boolean,
    scale s a float.

    Return (∂L/∂x, None, None). Derive it from the softmax Jacobian; what is the gradient at
    a masked entry, and where does the scale go?"""

    @staticmethod
    def forward(ctx, x, mask, scale):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
