"""The neural bigram of makemore's first lecture: a V×V table of logits, one row per previous
token, trained by gradient descent on the cross-entropy. It learns what the counting bigram
counts: at its optimum, softmax(row h) = c(h ·)/c(h), so both reach the same loss.

    logits = W[w_{t−1}],  p(w_t | w_{t−1}) = softmax(logits)

A window model with block_size 1; W starts from N(0, 1) as in the lecture.
"""

from __future__ import annotations

import numpy as np

from autograd import Embedding, F, Tensor
from models.base import LanguageModel, ModelConfig


class BigramLanguageModel(LanguageModel):
    window = True

    def __init__(self, config: ModelConfig) -> None:
        if config.block_size != 1:
            raise ValueError(f"bigram: block_size must be 1 (one token of context), got "
                             f"{config.block_size}")
        super().__init__(config)
        self.table = Embedding(config.vocab_size, config.vocab_size,
                               rng=np.random.default_rng(config.seed))

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, 1) → logits (B, V): the previous token's row."""
        return F.embedding(self.table.weight, idx[:, -1])
