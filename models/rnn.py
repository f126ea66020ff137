"""An Elman recurrent language model (Mikolov et al. 2010), trained by backpropagation through
time:

    e_t = C(w_t)
    h_0 = s                                    a learned start state (as makemore's RNN)
    h_t = f(W_h·h_{t−1} + W_e·e_t + b₁)       f = tanh (or sigmoid, as in the lecture)
    ŷ_t = softmax(U·h_t + b₂)

The same weights serve every step, so a sequence of any length fits; the gradient reaching
h_t through T − t steps is a product of T − t Jacobians, which is why it vanishes or explodes.
Training feeds the true previous token (teacher forcing). `forward_with_state` carries h across
chunks for truncated BPTT; the caller detaches it between chunks.
"""

from __future__ import annotations

import numpy as np

from autograd import Embedding, F, Linear, Parameter, Tensor, time_step
from models.base import LanguageModel, ModelConfig


class RNNLanguageModel(LanguageModel):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        c = config
        if c.nonlinearity not in ("tanh", "sigmoid"):
            raise ValueError(f"rnn: nonlinearity must be tanh or sigmoid, got {c.nonlinearity!r}")
        rng = np.random.default_rng(c.seed)
        self.embedding = Embedding(c.vocab_size, c.n_embd, rng=rng)
        self.input = Linear(c.n_embd, c.n_hidden, rng=rng)                # W_e, b₁
        self.recurrent = Linear(c.n_hidden, c.n_hidden, bias=False, rng=rng)  # W_h
        self.output = Linear(c.n_hidden, c.vocab_size, rng=rng)           # U, b₂
        self.start = Parameter(np.zeros(c.n_hidden, dtype=np.float32))     # h_0

    def forward_with_state(self, idx: np.ndarray, h: Tensor | None = None
                           ) -> tuple[Tensor, Tensor, list[Tensor]]:
        """idx (B, T) → (logits (B, T, V), the last state h_T, every h_t)."""
        steps = idx.shape[1]
        h = self.start if h is None else h    # (n_hidden,), broadcast over the batch
        # W_e·e_t + b₁ is row w_t of the table C·W_e + b₁: project the V rows once, then each
        # step gathers its rows (and its gradient lands in a V-row table, not a (B, T, H) one)
        table = self.input(self.embedding.weight)
        states = []
        for t in range(steps):
            with time_step(t + 1):   # the unrolled graph's nodes know their t
                pre = self.recurrent(h) + F.embedding(table, idx[:, t])
                h = pre.tanh() if self.config.nonlinearity == "tanh" else pre.sigmoid()
            h.name = f"h{t + 1}"
            states.append(h)
        logits = self.output(F.stack(states, axis=1))
        return logits, h, states

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, T) → logits (B, T, V)."""
        return self.forward_with_state(idx)[0]

    def next_logits(self, context: list[int]) -> np.ndarray:
        # no window: the state summarises the whole context
        return self(np.array([context])).data[0, -1]

    def truncated_bptt_loss(self, idx: np.ndarray, targets: np.ndarray, chunk: int) -> float:
        """Backpropagate the mean loss over (B, T) in chunks of `chunk` steps, carrying the state
        forward detached: gradients stop at chunk boundaries. Returns the loss; leaves the
        (accumulated) gradients in the parameters."""
        if chunk < 1:
            raise ValueError(f"truncated BPTT: chunk must be ≥ 1, got {chunk}")
        counted = max(1, int(np.sum(targets != -1)))
        h, total = None, 0.0
        for start in range(0, idx.shape[1], chunk):
            x, y = idx[:, start:start + chunk], targets[:, start:start + chunk]
            n = int(np.sum(y != -1))
            logits, h, _ = self.forward_with_state(x, h)
            if n:
                loss = F.cross_entropy(logits, y, ignore_index=-1) * (n / counted)
                loss.backward()
                total += float(loss.data)
            h = h.detach()
        return total
