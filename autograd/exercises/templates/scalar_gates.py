"""Exercise `scalar_gates` — the gates of a computational graph on single numbers (block 2).

Each gate's forward receives floats (a Scalar's value) and returns a float; backward receives
grad = ∂L/∂z, a float, and returns one gradient per input: the chain rule, local derivative
times upstream. Write them with numpy (np.exp, np.tanh, …) so that they also serve arrays:
the `mlp_lm` exercise uses your Tanh on tensors.
"""

from autograd import Function


class Add(Function):
    """z = x + y. Derive ∂z/∂x and ∂z/∂y; return (∂L/∂x, ∂L/∂y)."""

    @staticmethod
    def forward(ctx, x, y):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Multiply(Function):
    """z = x·y. Derive ∂z/∂x and ∂z/∂y: what must forward save for backward?"""

    @staticmethod
    def forward(ctx, x, y):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Power(Function):
    """z = xʸ for x > 0. Derive both partial derivatives: ∂z/∂x (y held fixed) and ∂z/∂y
    (x held fixed; write xʸ as e^{y ln x})."""

    @staticmethod
    def forward(ctx, x, y):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Exp(Function):
    """z = eˣ. Derive dz/dx in terms of z."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Tanh(Function):
    """z = tanh x. Derive dz/dx in terms of z."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Sigmoid(Function):
    """z = σ(x) = 1/(1 + e⁻ˣ). Derive dz/dx in terms of z (the lecture's neuron: σ(1) and
    σ'(1) are checked against its numbers)."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Relu(Function):
    """z = max(x, 0). Its derivative on each side of 0 (at 0 itself, use 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
