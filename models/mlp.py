"""Bengio et al. (2003): a fixed-window neural language model.

    x = [C(w_{t−n}); …; C(w_{t−1})]          the n previous tokens' embeddings, concatenated
    h = tanh(x·H + d)                         one hidden layer
    y = h·U + b  (+ x·W with direct connections)
    p(w_t | context) = softmax(y)

The window is fixed, and the weights H grow with it: the weaknesses the later models fix.
"""

from __future__ import annotations

import numpy as np

from autograd import Embedding, Linear, Tensor
from models.base import LanguageModel, ModelConfig


class MLPLanguageModel(LanguageModel):
    window = True

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        rng = np.random.default_rng(config.seed)
        c = config
        self.embedding = Embedding(c.vocab_size, c.n_embd, rng=rng)
        self.hidden = Linear(c.block_size * c.n_embd, c.n_hidden, rng=rng)
        self.output = Linear(c.n_hidden, c.vocab_size, rng=rng)
        self.direct = Linear(c.block_size * c.n_embd, c.vocab_size, bias=False, rng=rng) \
            if c.direct else None

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, block_size) of token ids → logits (B, V)."""
        x = self.embedding(idx)
        x = x.reshape(x.shape[0], -1)
        logits = self.output(self.hidden(x).tanh())
        return logits if self.direct is None else logits + self.direct(x)
