"""Reference solution of `layer_norm`: the library's gate, with the exercise's ε."""

from autograd.gates import norm


class LayerNorm(norm.LayerNorm):
    """∂L/∂x = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/σ with ĝ = g·w; ∂L/∂w = Σ g·x̂, ∂L/∂b = Σ g"""

    @staticmethod
    def forward(ctx, x, weight, bias):
        return norm.LayerNorm.forward(ctx, x, weight, bias, 1e-5)
