"""Exercise `neuron` — one sigmoid neuron trained with cross-entropy (lecture block 1).

net = x·w (one row per example), o = σ(net), E = −Σₙ [tₙ ln oₙ + (1 − tₙ) ln(1 − oₙ)].
Write the two gates, then derive the weight update by hand. `backproplab exercises check DIR
neuron` grades this file; `check --html OUT` shows where your backward pass first goes wrong.
"""

from autograd import Function


class Sigmoid(Function):
    """o = σ(x) = 1/(1 + e⁻ˣ), entry by entry, on arrays of any shape.

    forward(ctx, x) returns o; backward(ctx, grad) returns ∂E/∂x given grad = ∂E/∂o.
    Derive dσ/dx and write it in terms of what forward computed (save it with
    ctx.save_for_backward)."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class BinaryCrossEntropy(Function):
    """E = −Σ [t ln o + (1 − t) ln(1 − o)], summed over all entries: one number.

    forward(ctx, o, t): o in (0, 1) is the neuron's output, t the targets (no gradient: return
    None for it). backward(ctx, grad) returns (∂E/∂o, None), grad = ∂L/∂E being one number.
    Derive ∂E/∂oₙ for one entry."""

    @staticmethod
    def forward(ctx, o, t):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


def delta_w(x, t, o, eta):
    """The gradient-descent update Δw = −η·∂E/∂w, derived by hand (numpy, no gates).

    x (N, d) inputs, t (N,) targets, o (N,) the neuron's outputs, eta the learning rate.
    Chain ∂E/∂o · ∂o/∂net · ∂net/∂w for one example, simplify, and sum over the N examples.
    Returns an array of shape (d,)."""
    raise NotImplementedError
