"""Reference solution of `embedding`: the library's gate."""

from autograd.gates import indexing


class Embedding(indexing.Embedding):
    """∂L/∂W[i] = Σ of ∂L/∂z over the positions that read row i (np.add.at)"""
