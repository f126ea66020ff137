"""Count-based n-gram language models: the lectures' baselines, judged by the same perplexity.

An n-gram model of order N predicts a token from the N − 1 before it, exactly the window the MLP
reads with block_size = N − 1 (lines padded with the boundary token, as makemore's '.'), so it
sees the same (context, target) pairs as the neural models and its loss compares with theirs.
Training is counting: c(h w) for every context h of length 0 … N − 1 and token w.

Smoothing (`smoothing`), each a distribution over the whole vocabulary for every context, seen
or not (they sum to one):
- `mle`: c(h w) / c(h) — zero for an unseen pair (an infinite loss), the lecture's warning; an
  unseen context backs off to the longest seen suffix of it.
- `add-k`: (c(h w) + k) / (c(h) + k·V) — Laplace for k = 1 (makemore's counting bigram).
- `interpolation`: Σ_L λ_L · c(h_L w)/c(h_L) over the context's suffixes h_L of length L, plus
  λ·1/V; the λ are fitted on the validation split by expectation–maximisation; a suffix never
  seen gives its weight to the others.
- `kneser-ney`: interpolated Kneser–Ney (Chen & Goodman 1998) with one absolute discount D_L =
  n₁/(n₁ + 2n₂) per length: p(w|h) = max(c(h w) − D, 0)/c(h) + D·N₁₊(h •)/c(h) · p(w|h′) with
  h′ = h without its oldest token; the lower orders count continuations N₁₊(• h′ w) (how many
  different tokens precede h′ w) instead of occurrences; the unigram is interpolated with 1/V.

Contexts are numbered level by level, each from its shorter suffix and one older token (id_L =
id_{L−1}·V + token), so every lookup is a sorted search over int64 keys, and the counts are
stored sparsely: only the pairs seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd import Tensor
from models.base import LanguageModel, ModelConfig
from models.settings import SMOOTHINGS


@dataclass
class Level:
    """The counts of contexts of one length L: sorted keys and what each holds."""

    context_keys: np.ndarray    # (C,) parent id·V + oldest token, sorted; a context's id is its index
    pair_keys: np.ndarray       # (P,) context id·V + token, sorted
    pair_counts: np.ndarray     # (P,) c(h w) (or, for Kneser–Ney's lower orders, N₁₊(• h w))
    totals: np.ndarray          # (C,) Σ_w of pair_counts per context
    types: np.ndarray           # (C,) how many w have a pair with the context


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The index of each wanted key in the sorted `keys`, or −1 where it is absent."""
    if len(keys) == 0:
        return np.full(wanted.shape, -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, at, -1)


class NGramLanguageModel(LanguageModel):
    """Counts, no gradient: `fit(x, y)` on the training pairs (x: (M, N − 1) contexts, most recent
    token last; y: (M,) targets), `fit_weights` (interpolation) on validation pairs."""

    window = True
    counting = True

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        if config.smoothing not in SMOOTHINGS:
            raise ValueError(f"ngram: smoothing must be one of {', '.join(SMOOTHINGS)}, got "
                             f"{config.smoothing!r}")
        self.order, self.vocab = config.block_size + 1, config.vocab_size
        self.levels: list[Level] = []
        self.lambdas = np.full(self.order + 1, 1.0 / (self.order + 1))   # uniform, then L = 0…N−1
        self.discounts = np.zeros(self.order)

    # --- counting ---------------------------------------------------------------------------
    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        """Count every (context suffix, target) pair of the training examples."""
        ids = np.zeros(len(y), dtype=np.int64)   # the empty context, id 0
        self.levels = []
        parents: list[np.ndarray] = []
        for length in range(self.order):
            if length:
                keys = ids * self.vocab + x[:, -length]
                context_keys, ids = np.unique(keys, return_inverse=True)
                parents.append(context_keys // self.vocab)
            else:
                context_keys = np.zeros(1, dtype=np.int64)
            pair_keys, counts = np.unique(ids * self.vocab + y, return_counts=True)
            self.levels.append(self._level(context_keys, pair_keys, counts))
        if self.config.smoothing == "kneser-ney":
            self._continuation_counts(parents)

    def _level(self, context_keys: np.ndarray, pair_keys: np.ndarray, counts: np.ndarray) -> Level:
        owner = pair_keys // self.vocab
        size = len(context_keys)
        return Level(context_keys, pair_keys, counts.astype(np.int64),
                     np.bincount(owner, weights=counts, minlength=size).astype(np.int64),
                     np.bincount(owner, minlength=size).astype(np.int64))

    def _continuation_counts(self, parents: list[np.ndarray]) -> None:
        """Kneser–Ney: below the top order, count N₁₊(• h w), the distinct older tokens seen
        before h w, in place of c(h w); and one discount per length from the counts of counts."""
        for length in range(self.order - 1):
            above = self.levels[length + 1]
            parent_of_pair = parents[length][above.pair_keys // self.vocab]
            keys, continuations = np.unique(parent_of_pair * self.vocab + above.pair_keys % self.vocab,
                                            return_counts=True)
            self.levels[length] = self._level(self.levels[length].context_keys, keys, continuations)
        for length, level in enumerate(self.levels):
            ones, twos = np.sum(level.pair_counts == 1), np.sum(level.pair_counts == 2)
            self.discounts[length] = ones / (ones + 2 * twos) if ones + twos else 0.5

    # --- probabilities ----------------------------------------------------------------------
    def _context_ids(self, x: np.ndarray) -> list[np.ndarray]:
        """Per length L = 0 … N − 1, each row's context id at that length (−1 if never seen)."""
        ids = np.zeros(len(x), dtype=np.int64)
        found = [ids]
        for length in range(1, self.order):
            keys = np.where(ids >= 0, ids, 0) * self.vocab + x[:, -length]
            ids = np.where(ids >= 0, _lookup(self.levels[length].context_keys, keys), -1)
            found.append(ids)
        return found

    def _counts(self, length: int, ids: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        """(c(h w), c(h), N₁₊(h •)) at one length, zeros where the context is unseen."""
        level = self.levels[length]
        seen = ids >= 0
        at = _lookup(level.pair_keys, np.where(seen, ids, 0) * self.vocab + y)
        pair = np.where(seen & (at >= 0), level.pair_counts[np.maximum(at, 0)], 0)
        safe = np.maximum(ids, 0)
        return (pair.astype(np.float64), np.where(seen, level.totals[safe], 0).astype(np.float64),
                np.where(seen, level.types[safe], 0).astype(np.float64))

    def probabilities(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """p(y_i | x_i) for every row, in float64."""
        if not self.levels:
            raise ValueError("ngram: the model has no counts yet (fit it on the training split)")
        y = np.asarray(y, dtype=np.int64)
        x = np.asarray(x, dtype=np.int64).reshape(len(y), self.order - 1)
        ids = self._context_ids(x)
        smoothing = self.config.smoothing
        if smoothing == "kneser-ney":
            return self._kneser_ney(ids, y)
        if smoothing == "interpolation":
            parts, seen = self._components(ids, y)
            weights = np.where(seen, self.lambdas, 0.0)
            return np.sum(weights * parts, axis=1) / np.sum(weights, axis=1)
        pair, total, _ = self._counts(self.order - 1, ids[-1], y)
        if smoothing == "add-k":
            k = self.config.add_k
            return (pair + k) / (total + k * self.vocab)
        for length in range(self.order - 2, -1, -1):   # mle: back off to the longest seen suffix
            lower, lower_total, _ = self._counts(length, ids[length], y)
            pair, total = np.where(total > 0, pair, lower), np.where(total > 0, total, lower_total)
        return pair / total

    def _components(self, ids: list[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns: 1/V, then the relative frequency at each length; `seen` marks the columns
        whose context was seen."""
        parts = [np.full(len(y), 1.0 / self.vocab)]
        seen = [np.ones(len(y), dtype=bool)]
        for length in range(self.order):
            pair, total, _ = self._counts(length, ids[length], y)
            parts.append(pair / np.maximum(total, 1.0))
            seen.append(total > 0)
        return np.stack(parts, axis=1), np.stack(seen, axis=1)

    def _kneser_ney(self, ids: list[np.ndarray], y: np.ndarray) -> np.ndarray:
        p = np.full(len(y), 1.0 / self.vocab)
        for length in range(self.order):
            pair, total, types = self._counts(length, ids[length], y)
            discount = self.discounts[length]
            seen = total > 0
            mixed = (np.maximum(pair - discount, 0.0) + discount * types * p) / np.maximum(total, 1.0)
            p = np.where(seen, mixed, p)
        return p

    def fit_weights(self, x: np.ndarray, y: np.ndarray, rounds: int = 50) -> None:
        """Interpolation: the λ that maximise the likelihood of (x, y) (the validation pairs), by
        expectation–maximisation."""
        if len(y) == 0:
            raise ValueError("ngram: interpolation fits its weights on the validation split, "
                             "which is empty; give --split with a validation part")
        y = np.asarray(y, dtype=np.int64)
        ids = self._context_ids(np.asarray(x, dtype=np.int64).reshape(len(y), self.order - 1))
        parts, seen = self._components(ids, y)
        lambdas = np.full(parts.shape[1], 1.0 / parts.shape[1])
        for _ in range(rounds):
            weighted = np.where(seen, lambdas, 0.0) * parts
            share = weighted / np.sum(weighted, axis=1, keepdims=True)
            lambdas = share.sum(axis=0) / len(y)
        self.lambdas = lambdas

    # --- the language model's interface -----------------------------------------------------
    def loss(self, idx: np.ndarray, targets: np.ndarray) -> Tensor:
        """Mean −log p(target | context) in nats: inf where the model gives a target 0."""
        p = self.probabilities(np.asarray(idx), np.asarray(targets))
        with np.errstate(divide="ignore"):
            return Tensor(np.asarray(-np.mean(np.log(p))))

    def forward(self, idx: np.ndarray) -> Tensor:
        """idx (B, N − 1) → log p(w | context) for every token w, (B, V): logits whose softmax is
        the model's distribution."""
        idx = np.asarray(idx, dtype=np.int64)
        rows = np.repeat(idx, self.vocab, axis=0)
        targets = np.tile(np.arange(self.vocab), len(idx))
        with np.errstate(divide="ignore"):
            return Tensor(np.log(self.probabilities(rows, targets)).reshape(len(idx), self.vocab))

    def next_logits(self, context: list[int]) -> np.ndarray:
        block = self.order - 1
        padded = [context[0]] * max(0, block - len(context)) + context[-block:] if block else []
        rows = np.tile(np.array(padded, dtype=np.int64), (self.vocab, 1))
        with np.errstate(divide="ignore"):
            return np.log(self.probabilities(rows, np.arange(self.vocab)))

    def stored_counts(self) -> int:
        """How many counts the model keeps (its size, in place of a parameter count)."""
        return int(sum(len(level.pair_keys) + len(level.context_keys) for level in self.levels))

    # --- checkpoints --------------------------------------------------------------------------
    FIELDS = ("context_keys", "pair_keys", "pair_counts")

    def state_dict(self) -> dict[str, np.ndarray]:
        """The counts, sparsely: per length L, `L.context_keys`, `L.pair_keys`, `L.pair_counts`
        (int64); and the interpolation weights and Kneser–Ney discounts (float64)."""
        state = {f"{length}.{name}": getattr(level, name).copy()
                 for length, level in enumerate(self.levels) for name in self.FIELDS}
        return {**state, "lambdas": self.lambdas.copy(), "discounts": self.discounts.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Counts saved by `state_dict`, checked entry by entry before any is used."""
        expected = {f"{length}.{name}" for length in range(self.order) for name in self.FIELDS}
        expected |= {"lambdas", "discounts"}
        if set(state) != expected:
            raise KeyError(f"load_state_dict: ngram of order {self.order}: missing "
                           f"{sorted(expected - set(state)) or 'nothing'}, unexpected "
                           f"{sorted(set(state) - expected) or 'nothing'}")
        for name, size in (("lambdas", self.order + 1), ("discounts", self.order)):
            value = np.asarray(state[name])
            if value.shape != (size,) or value.dtype.kind != "f" or not np.isfinite(value).all() \
                    or (value < 0).any():
                raise ValueError(f"load_state_dict: ngram {name} must be {size} finite numbers ≥ 0")
        levels = [self._checked_level(length, state) for length in range(self.order)]
        self.levels = levels
        self.lambdas = np.asarray(state["lambdas"], dtype=np.float64)
        self.discounts = np.asarray(state["discounts"], dtype=np.float64)

    def _checked_level(self, length: int, state: dict[str, np.ndarray]) -> Level:
        contexts, pairs, counts = (np.asarray(state[f"{length}.{n}"]) for n in self.FIELDS)
        for name, keys in (("context_keys", contexts), ("pair_keys", pairs)):
            if keys.ndim != 1 or keys.dtype != np.int64 or (keys.size and (
                    keys[0] < 0 or (np.diff(keys) <= 0).any())):
                raise ValueError(f"load_state_dict: ngram {length}.{name} must be sorted distinct "
                                 "int64 keys ≥ 0")
        if counts.shape != pairs.shape or counts.dtype != np.int64 or (counts < 1).any():
            raise ValueError(f"load_state_dict: ngram {length}.pair_counts must be one count ≥ 1 "
                             "per pair")
        if contexts.size == 0 or (pairs.size and pairs[-1] // self.vocab >= contexts.size):
            raise ValueError(f"load_state_dict: ngram {length}.pair_keys name contexts that "
                             "do not exist")
        return self._level(contexts, pairs, counts)
