"""Reference solution of `attention`: the library's gate."""

from autograd.gates import softmax


class MaskedSoftmax(softmax.MaskedSoftmax):
    """∂L/∂x = s·z ⊙ (g − Σⱼ gⱼzⱼ): 0 at the masked entries"""
