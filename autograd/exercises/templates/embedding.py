"""Exercise `embedding` — a lookup table, as the neural language models' first layer (block 5)."""

from autograd import Function


class Embedding(Function):
    """z = W[indices]: W (V, d) a table, indices an integer array of any shape; z has shape
    indices.shape + (d,).

    Return (∂L/∂W, None) with ∂L/∂W of W's shape. The same row may be read at several
    positions (a word that occurs twice in a context): what does that row's gradient become?"""

    @staticmethod
    def forward(ctx, weight, indices):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
