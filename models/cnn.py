"""A convolutional language model over a fixed window, hierarchical as WaveNet (van den Oord et
al. 2016; makemore part 5): each level merges neighbouring pairs with a kernel-2, stride-2
convolution, so a window of 2^L tokens is read in L levels.

    e = [C(w_{t−2^L}), …, C(w_{t−1})]              (B, n_embd, 2^L), channels first
    h_0 = e,   h_l = tanh(BN(conv_{k=2,s=2}(h_{l−1})))   (B, n_hidden, 2^{L−l})
    y = h_L·U + b,   p(w_t | context) = softmax(y)

Batch normalisation (as makemore) keeps the deep stack trainable with plain SGD.
"""

from __future__ import annotations

import numpy as np

from autograd import BatchNorm1d, Conv1d, Embedding, Linear, Module, ModuleList, Tensor
from models.base import LanguageModel, ModelConfig


class MergePairs(Module):
    """One level: neighbouring pairs of positions → one position, then BN and tanh."""

    def __init__(self, channels_in: int, channels_out: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.conv = Conv1d(channels_in, channels_out, kernel_size=2, stride=2, bias=False, rng=rng)
        self.norm = BatchNorm1d(channels_out)

    def forward(self, h: Tensor) -> Tensor:
        return self.norm(self.conv(h)).tanh()


class CNNLanguageModel(LanguageModel):
    window = True

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        c = config
        levels = int(np.log2(c.block_size))
        if c.block_size < 2 or 2 ** levels != c.block_size:
            raise ValueError(f"cnn: block_size must be a power of 2 (pairs merge level by level), "
                             f"got {c.block_size}")
        rng = np.random.default_rng(c.seed)
        self.embedding = Embedding(c.vocab_size, c.n_embd, rng=rng)
        self.levels = ModuleList(
            MergePairs(c.n_embd if i == 0 else c.n_hidden, c.n_hidden, rng) for i in range(levels))
        self.output = Linear(c.n_hidden, c.vocab_size, rng=rng)

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, block_size) of token ids → logits (B, V)."""
        h = self.embedding(idx).transpose(0, 2, 1)   # (B, n_embd, block): channels first
        for level in self.levels:
            h = level(h)
        return self.output(h.reshape(h.shape[0], -1))
