"""Reference solution of `softmax`: the library's gates."""

from autograd.gates import softmax


class Softmax(softmax.Softmax):
    """∂L/∂x = z ⊙ (g − Σⱼ gⱼzⱼ)"""


class SoftmaxCrossEntropy(softmax.CrossEntropy):
    """∂L/∂xₙ = (softmax(xₙ) − onehot(tₙ))/N: observed minus target"""
