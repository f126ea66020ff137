"""What the language models share: their configuration (declared in models/settings.py), the loss
and sampling."""

from __future__ import annotations

import numpy as np

from autograd import F, Module, Tensor, no_grad
from models.data import IGNORE
from models.settings import ModelConfig

__all__ = ["LanguageModel", "ModelConfig"]


class LanguageModel(Module):
    """A next-token model. `window` models map (B, block_size) → logits (B, V); sequence models
    map (B, T) → logits (B, T, V), each position seeing only itself and earlier ones."""

    window = False
    counting = False   # True for count models (n-grams): trained by counting, not by gradients

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config

    def loss(self, idx: np.ndarray, targets: np.ndarray) -> Tensor:
        """Mean cross-entropy (nats per token) over targets that are not IGNORE."""
        return F.cross_entropy(self(idx), targets, ignore_index=IGNORE)

    def next_logits(self, context: list[int]) -> np.ndarray:
        """Logits (V,) for the token after `context` (which starts with the boundary, if any)."""
        if self.window:
            block = self.config.block_size
            padded = [context[0]] * max(0, block - len(context)) + context[-block:]
            return self(np.array([padded])).data[0]
        return self(np.array([context[-self.config.block_size:]])).data[0, -1]

    @no_grad()
    def generate(self, prompt: list[int], max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, seed: int | None = None,
                 stop: int | None = None) -> list[int]:
        """Sample up to `max_new_tokens` after `prompt`, ending early at token `stop`.

        temperature divides the logits (0 means always the most likely token); top_k keeps the
        k most likely tokens only.
        """
        if not prompt:
            raise ValueError("generate: the prompt must hold at least one token")
        if temperature < 0:
            raise ValueError(f"generate: temperature must be ≥ 0, got {temperature}")
        rng = np.random.default_rng(seed)
        was_training = self.training
        self.eval()
        out = list(prompt)
        try:
            for _ in range(max_new_tokens):
                logits = self.next_logits(out).astype(np.float64)
                if temperature == 0:
                    token = int(np.argmax(logits))
                else:
                    logits = logits / temperature
                    if top_k is not None and top_k < len(logits):
                        cutoff = np.sort(logits)[-top_k]
                        logits = np.where(logits < cutoff, -np.inf, logits)
                    p = np.exp(logits - logits.max())
                    token = int(rng.choice(len(p), p=p / p.sum()))
                out.append(token)
                if token == stop:
                    break
        finally:
            self.train(was_training)
        return out[len(prompt):]
