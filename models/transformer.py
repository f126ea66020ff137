"""A decoder-only Transformer language model (Vaswani et al. 2017; GPT):

    x_0 = E[w] + P                              token embedding + positional encoding
    x ← x + Attn(LN(x)),  x ← x + FFN(LN(x))    N pre-LayerNorm blocks with residuals
    y = LN(x)·U (U = Eᵀ when tied),  p = softmax(y)

    Attn(x) = concat_h(softmax(Q_h K_hᵀ/√d + M) V_h)·W_o,   M_ij = −∞ for j > i (causal)
    FFN(x) = GELU(x·W₁ + b₁)·W₂ + b₂
    P[pos, 2i] = sin(pos / 10000^{2i/d}),  P[pos, 2i+1] = cos(pos / 10000^{2i/d})  (or learned)
"""

from __future__ import annotations

import numpy as np

from autograd import Dropout, Embedding, F, LayerNorm, Linear, Module, ModuleList, Tensor
from models.base import LanguageModel, ModelConfig
from models.settings import POSITIONS


def sinusoidal_positions(length: int, dim: int) -> np.ndarray:
    position = np.arange(length)[:, None]
    rate = 1.0 / 10000 ** (np.arange(0, dim, 2) / dim)
    table = np.zeros((length, dim))
    table[:, 0::2] = np.sin(position * rate)
    table[:, 1::2] = np.cos(position * rate[: dim // 2])
    return table.astype(np.float32)


class CausalSelfAttention(Module):
    def __init__(self, config: ModelConfig, rng: np.random.Generator) -> None:
        super().__init__()
        c = config
        if c.n_embd % c.n_head:
            raise ValueError(f"transformer: n_embd {c.n_embd} must be divisible by n_head {c.n_head}")
        self.n_head = c.n_head
        self.qkv = Linear(c.n_embd, 3 * c.n_embd, rng=rng)
        self.proj = Linear(c.n_embd, c.n_embd, rng=rng)
        self.attn_dropout = Dropout(c.dropout)
        self.resid_dropout = Dropout(c.dropout)
        self.future = np.triu(np.ones((c.block_size, c.block_size), dtype=bool), k=1)

    def forward(self, x: Tensor) -> Tensor:
        batch, steps, width = x.shape
        head = width // self.n_head
        qkv = self.qkv(x).reshape(batch, steps, 3, self.n_head, head).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                     # (B, heads, T, head)
        scores = q @ k.transpose(0, 1, 3, 2)
        # softmax(QKᵀ/√d + M), M = −∞ above the diagonal: one fused gate
        weights = F.masked_softmax(scores, self.future[:steps, :steps], scale=1.0 / np.sqrt(head))
        weights = self.attn_dropout(weights)
        out = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, steps, width)
        return self.resid_dropout(self.proj(out))


class FeedForward(Module):
    def __init__(self, config: ModelConfig, rng: np.random.Generator) -> None:
        super().__init__()
        self.up = Linear(config.n_embd, 4 * config.n_embd, rng=rng)
        self.down = Linear(4 * config.n_embd, config.n_embd, rng=rng)
        self.dropout = Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.down(F.gelu(self.up(x))))


class Block(Module):
    def __init__(self, config: ModelConfig, rng: np.random.Generator) -> None:
        super().__init__()
        self.ln1 = LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config, rng)
        self.ln2 = LayerNorm(config.n_embd)
        self.ffn = FeedForward(config, rng)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class TransformerLanguageModel(LanguageModel):
    position_table: Tensor   # a buffer, with sinusoidal positions (unless they are learned)

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        c = config
        if c.positions not in POSITIONS:
            raise ValueError(f"transformer: positions must be {' or '.join(POSITIONS)}, got "
                             f"{c.positions!r}")
        rng = np.random.default_rng(c.seed)
        self.tokens = Embedding(c.vocab_size, c.n_embd, rng=rng)
        if c.positions == "learned":
            self.positions = Embedding(c.block_size, c.n_embd, rng=rng)
        else:
            self.register_buffer("position_table", Tensor(sinusoidal_positions(c.block_size, c.n_embd)))
        self.dropout = Dropout(c.dropout)
        self.blocks = ModuleList(Block(c, rng) for _ in range(c.n_layer))
        self.ln_f = LayerNorm(c.n_embd)
        self.head = None if c.tied else Linear(c.n_embd, c.vocab_size, bias=False, rng=rng)

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, T ≤ block_size) → logits (B, T, V)."""
        steps = idx.shape[1]
        if steps > self.config.block_size:
            raise ValueError(f"transformer: sequence of {steps} tokens is longer than block_size "
                             f"{self.config.block_size}")
        if self.config.positions == "learned":
            where = self.positions(np.arange(steps))
        else:
            where = self.position_table[:steps]
            where.name = "positions"   # a constant: named, so the graph says what it is
        x = self.dropout(self.tokens(idx) + where)
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        return x @ self.tokens.weight.T if self.head is None else self.head(x)


