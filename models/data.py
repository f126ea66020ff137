"""Text → token ids → training examples: vocabularies, the two shapes of corpus, splits, batches.

- `lines`: one example per line (names): each framed by a boundary token `<b>` that marks both
  its start and its end, as makemore's '.'.
- `stream`: running text (Shakespeare): one contiguous sequence of tokens.
`auto` picks `lines` when no line holds a space, else `stream`.

Window models (MLP, CNN) learn p(next | the `block_size` tokens before it); sequence models (RNN,
Transformer) read `block_size` tokens and predict each one's successor. Both see the same
targets, so their losses compare.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BOUNDARY = "<b>"
IGNORE = -1   # target padding that cross-entropy skips


class DataError(ValueError):
    """Bad data: a missing, empty or undecodable file, or text outside a vocabulary."""


def read_text(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"data file {path} is not UTF-8 text (byte {raw[error.start]:#04x} at "
                        f"offset {error.start})") from None
    if not text.strip():
        raise DataError(f"data file {path} is empty")
    return text


def builtin_names() -> str:
    """The built-in corpus: the US-census first names that the `names` package ships
    (female and male lists, lower-cased, each name once), one per line."""
    folder = importlib.resources.files("names")
    seen: dict[str, None] = {}
    for filename in ("dist.female.first", "dist.male.first"):
        for line in (folder / filename).read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(line.split()[0].lower(), None)
    return "\n".join(seen)


@dataclass
class Vocabulary:
    """Tokens by id. `level` is `char` or `word`; `boundary` is the id of `<b>`, if used."""

    tokens: list[str]
    level: str
    boundary: int | None = None

    def __post_init__(self) -> None:
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: list[str], level: str, with_boundary: bool) -> Vocabulary:
        symbols = sorted({t for text in texts for t in split_tokens(text, level)})
        tokens = ([BOUNDARY] if with_boundary else []) + [s for s in symbols if s != BOUNDARY]
        return cls(tokens, level, 0 if with_boundary else None)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        pieces = split_tokens(text, self.level)
        unknown = sorted({p for p in pieces if p not in self.index})
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:10])
            raise DataError(f"{len(unknown)} symbol(s) not in the vocabulary: {shown}")
        return [self.index[p] for p in pieces]

    def decode(self, ids: list[int]) -> str:
        words = [self.tokens[i] for i in ids if i != self.boundary]
        return ("" if self.level == "char" else " ").join(words)

    def to_json(self) -> dict:
        return {"tokens": self.tokens, "level": self.level, "boundary": self.boundary}

    @classmethod
    def from_json(cls, data: dict) -> Vocabulary:
        return cls(list(data["tokens"]), str(data["level"]), data.get("boundary"))


def split_tokens(text: str, level: str) -> list[str]:
    return list(text) if level == "char" else text.split()


@dataclass
class Corpus:
    """A tokenised corpus split into train/val/test; `shape` is `lines` or `stream`."""

    vocab: Vocabulary
    shape: str
    splits: dict[str, list[np.ndarray]]   # lines: one id array per line; stream: one array

    @classmethod
    def from_text(cls, text: str, level: str = "char", shape: str = "auto", seed: int = 42,
                  fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
                  vocab: Vocabulary | None = None) -> Corpus:
        if level not in ("char", "word"):
            raise DataError(f"unknown level {level!r}: choose char or word")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if shape == "auto":
            shape = "lines" if all(" " not in line for line in lines) else "stream"
        if shape not in ("lines", "stream"):
            raise DataError(f"unknown data shape {shape!r}: choose lines, stream or auto")
        if abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
            raise DataError(f"split fractions {fractions} must be ≥ 0 and add up to 1")
        if shape == "lines":
            vocab = vocab or Vocabulary.build(lines, level, with_boundary=True)
            order = np.random.default_rng(seed).permutation(len(lines))
            encoded = [np.array(vocab.encode(lines[i]), dtype=np.int64) for i in order]
            cuts = _cuts(len(encoded), fractions)
            splits = {name: encoded[a:b] for name, (a, b) in cuts.items()}
        else:
            body = text if level == "char" else " ".join(lines)
            vocab = vocab or Vocabulary.build([body], level, with_boundary=False)
            ids = np.array(vocab.encode(body), dtype=np.int64)
            splits = {name: [ids[a:b]] for name, (a, b) in _cuts(len(ids), fractions).items()}
        return cls(vocab, shape, splits)

    def examples(self, split: str, block_size: int, window: bool) -> tuple[np.ndarray, np.ndarray]:
        """Every (input, target) of a split. Window: X (N, block), Y (N,). Sequence: X, Y (N, T)
        with targets past an example's end set to IGNORE."""
        parts = self.splits[split]
        if not parts or sum(len(p) for p in parts) == 0:
            raise DataError(f"the {split} split is empty")
        if self.shape == "lines":
            return _line_examples(parts, block_size, window, self.vocab.boundary or 0)
        return _stream_examples(parts[0], block_size, window)


def _cuts(count: int, fractions: tuple[float, float, float]) -> dict[str, tuple[int, int]]:
    train_end = round(count * fractions[0])
    val_end = train_end + round(count * fractions[1])
    return {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, count)}


def _line_examples(lines: list[np.ndarray], block: int, window: bool,
                   boundary: int) -> tuple[np.ndarray, np.ndarray]:
    if window:
        xs, ys = [], []
        for ids in lines:
            padded = np.concatenate([np.full(block, boundary), ids, [boundary]])
            for t in range(len(ids) + 1):
                xs.append(padded[t:t + block])
                ys.append(padded[t + block])
        return np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64)
    x = np.full((len(lines), block), boundary, dtype=np.int64)
    y = np.full((len(lines), block), IGNORE, dtype=np.int64)
    for row, ids in enumerate(lines):
        seq = np.concatenate([[boundary], ids, [boundary]])[:block + 1]   # longer lines are cut
        x[row, :len(seq) - 1] = seq[:-1]
        y[row, :len(seq) - 1] = seq[1:]
    return x, y


def _stream_examples(ids: np.ndarray, block: int, window: bool) -> tuple[np.ndarray, np.ndarray]:
    if len(ids) <= block:
        raise DataError(f"a split of {len(ids)} tokens is too short for block_size {block}")
    if window:
        starts = np.arange(len(ids) - block)
        return ids[starts[:, None] + np.arange(block)], ids[starts + block]
    count = (len(ids) - 1) // block   # non-overlapping chunks: every target once
    x = ids[:count * block].reshape(count, block)
    y = ids[1:count * block + 1].reshape(count, block)
    return x, y


class Batches:
    """Random training batches of a split, drawn from a numpy Generator (whose state a
    checkpoint saves, so a resumed run draws what an uninterrupted one would)."""

    def __init__(self, corpus: Corpus, split: str, block_size: int, window: bool,
                 rng: np.random.Generator) -> None:
        self.rng, self.block, self.window = rng, block_size, window
        self.stream = corpus.splits[split][0] if corpus.shape == "stream" and not window else None
        if self.stream is None:
            self.x, self.y = corpus.examples(split, block_size, window)
        elif len(self.stream) <= block_size:
            raise DataError(f"the {split} split ({len(self.stream)} tokens) is too short for "
                            f"block_size {block_size}")

    def sample(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        if self.stream is not None:   # any offset of running text, as nanoGPT samples
            starts = self.rng.integers(0, len(self.stream) - self.block, batch_size)
            offsets = starts[:, None] + np.arange(self.block)
            return self.stream[offsets], self.stream[offsets + 1]
        rows = self.rng.integers(0, len(self.x), batch_size)
        return self.x[rows], self.y[rows]
