"""Text → token ids → training examples: vocabularies, the two shapes of corpus, splits, batches.

- `lines`: one example per line (names): each framed by a boundary token `<b>` that marks both
  its start and its end, as makemore's '.'.
- `stream`: running text (Shakespeare): one contiguous sequence of tokens.
`auto` picks `lines` when no line holds a space and none is longer than `MAX_LINE`, else
`stream`. Any size of text is read without a copy per character: a stream is encoded a chunk at a
time into one array, so a corpus of one 50 MB line costs its ids (8 bytes a token) and little more.

Window models (MLP, CNN) learn p(next | the `block_size` tokens before it); sequence models (RNN,
Transformer) read `block_size` tokens and predict each one's successor. Both see the same
targets, so their losses compare.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.settings import LEVELS, SHAPES

BOUNDARY = "<b>"
IGNORE = -1   # target padding that cross-entropy skips
MAX_LINE = 10_000   # characters in a line of `lines` data (one example each: a name, a sentence)
CHUNK = 1 << 20     # characters encoded at a time


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
        symbols = sorted(set().union(*(_characters(text) if level == "char" else _words(text)
                                       for text in texts)))
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

    def encode_stream(self, text: str) -> np.ndarray:
        """The ids of running text as one array, a chunk at a time: characters through a table
        indexed by code point, words through the index; no Python object per token is kept, so
        its memory is the array's (8 bytes a token)."""
        if self.level != "char":
            return np.concatenate([self._word_ids(words) for words in _word_pieces(text)] or
                                  [np.zeros(0, dtype=np.int64)])
        singles = {ord(token): i for i, token in enumerate(self.tokens) if len(token) == 1}
        beyond = max(singles, default=0) + 1   # every code point past the vocabulary's
        table = np.full(beyond + 1, -1, dtype=np.int64)   # small: it stays in the cache
        table[list(singles)] = list(singles.values())
        ids = np.empty(len(text), dtype=np.int64)
        for start, points in _code_points(text):
            chunk = np.take(table, points, mode="clip")
            if chunk.min(initial=0) < 0:
                self.encode(text[start:start + len(points)])   # names the unknown symbols
            ids[start:start + len(points)] = chunk
        return ids

    def _word_ids(self, words: list[str]) -> np.ndarray:
        ids = np.fromiter((self.index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
        if ids.min(initial=0) < 0:
            self.encode(" ".join(words))   # names the unknown symbols
        return ids

    def decode(self, ids: list[int]) -> str:
        words = [self.tokens[i] for i in ids if i != self.boundary]
        return ("" if self.level == "char" else " ").join(words)

    def to_json(self) -> dict:
        return {"tokens": self.tokens, "level": self.level, "boundary": self.boundary}

    @classmethod
    def from_json(cls, data: dict) -> Vocabulary:
        return cls(list(data["tokens"]), str(data["level"]), data.get("boundary"))


UNICODE = 0x110000   # code points
_SPACE = re.compile(r"\s")


def _code_points(text: str) -> Iterator[tuple[int, np.ndarray]]:
    """(offset, the code points of `CHUNK` characters from there) over all of `text`."""
    for start in range(0, len(text), CHUNK):
        yield start, np.frombuffer(text[start:start + CHUNK].encode("utf-32-le"), dtype=np.uint32)


def _word_pieces(text: str) -> Iterator[list[str]]:
    """The words of `text`, about `CHUNK` characters at a time (cut at whitespace)."""
    start = 0
    while start < len(text):
        space = _SPACE.search(text, start + CHUNK)
        end = space.start() if space else len(text)
        yield text[start:end].split()
        start = end


def _words(text: str) -> set[str]:
    return set().union(*(set(words) for words in _word_pieces(text)))


def _characters(text: str) -> set[str]:
    """The distinct characters of `text`, counted a chunk at a time."""
    if len(text) <= CHUNK:
        return set(text)   # a line: a table of every code point would cost more than the set
    seen = np.zeros(UNICODE, dtype=bool)
    for _, points in _code_points(text):
        seen[points] = True
    return {chr(point) for point in np.flatnonzero(seen)}


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
        if level not in LEVELS:
            raise DataError(f"unknown level {level!r}: choose {' or '.join(LEVELS)}")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        shape = _shape_of(text, lines, shape)
        if abs(sum(fractions) - 1.0) > 1e-9 or min(fractions) < 0:
            raise DataError(f"split fractions {fractions} must be ≥ 0 and add up to 1")
        if shape == "lines":
            vocab = vocab or Vocabulary.build(lines, level, with_boundary=True)
            order = np.random.default_rng(seed).permutation(len(lines))
            encoded = [np.array(vocab.encode(lines[i]), dtype=np.int64) for i in order]
            cuts = _cuts(len(encoded), fractions)
            splits = {name: encoded[a:b] for name, (a, b) in cuts.items()}
        else:
            del lines   # a long line's copy is not needed any more
            vocab = vocab or Vocabulary.build([text], level, with_boundary=False)
            ids = vocab.encode_stream(text)
            splits = {name: [ids[a:b]] for name, (a, b) in _cuts(len(ids), fractions).items()}
        return cls(vocab, shape, splits)

    def examples(self, split: str, block_size: int, window: bool, limit: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """The first `limit` (default: every) (input, target) of a split. Window: X (N, block),
        Y (N,). Sequence: X, Y (N, T) with targets past an example's end set to IGNORE."""
        self.check_split(split, block_size)
        parts = self.splits[split]
        if self.shape == "lines":
            return _line_examples(parts, block_size, window, self.vocab.boundary or 0, limit)
        x, y = _stream_examples(parts[0], block_size, window)
        return x[:limit], y[:limit]

    def check_split(self, split: str, block_size: int) -> None:
        """Refuse a split that holds no example (checked before training, not at the first
        validation)."""
        parts = self.splits[split]
        if not parts or sum(len(p) for p in parts) == 0:
            raise DataError(f"the {split} split is empty: the data is too small to split "
                            f"(the splits hold {self.sizes()})")
        if self.shape == "stream" and len(parts[0]) <= block_size:
            raise DataError(f"the {split} split ({len(parts[0])} tokens) is too short for "
                            f"block_size {block_size}")

    def example_memory(self, split: str, block_size: int, window: bool) -> tuple[int, int]:
        """(examples, bytes) that training on `split` holds as arrays: lines data is cut into
        examples up front (one per token for a window model, one per line for a sequence
        model); a stream is sampled from its ids, which are in memory already."""
        parts = self.splits[split]
        if self.shape == "stream":
            return 0, 0
        if window:
            count = sum(len(p) for p in parts) + len(parts)
            return count, count * (block_size + 1) * 8
        return len(parts), len(parts) * block_size * 2 * 8

    def sizes(self) -> str:
        """How much each split holds, e.g. "train 1, val 0, test 0 lines"."""
        counts = [len(parts) if self.shape == "lines" else len(parts[0])
                  for parts in self.splits.values()]
        return ", ".join(f"{name} {n:,}" for name, n in zip(self.splits, counts)) + \
            (" lines" if self.shape == "lines" else " tokens")


def _shape_of(text: str, lines: list[str], shape: str) -> str:
    """`lines` or `stream`: `auto` decided, and a line too long to be one example refused."""
    number, longest = max(((n, len(line)) for n, line in enumerate(text.splitlines(), start=1)),
                          key=lambda pair: pair[1], default=(0, 0))
    if shape == "auto":
        fits = longest <= MAX_LINE and all(" " not in line for line in lines)
        shape = "lines" if fits else "stream"
    if shape not in SHAPES:   # `auto` was decided above
        raise DataError(f"unknown data shape {shape!r}: choose {', '.join(SHAPES)}")
    if shape == "lines" and longest > MAX_LINE:
        raise DataError(f"line {number} of the data has {longest:,} characters; one example "
                        f"per line (--shape lines) takes at most {MAX_LINE:,}: use --shape "
                        "stream for running text")
    return shape


def _cuts(count: int, fractions: tuple[float, float, float]) -> dict[str, tuple[int, int]]:
    train_end = round(count * fractions[0])
    val_end = train_end + round(count * fractions[1])
    return {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, count)}


def _line_examples(lines: list[np.ndarray], block: int, window: bool, boundary: int,
                   limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    if window:
        xs: list[np.ndarray] = []
        ys: list[int] = []
        for ids in lines:
            if limit is not None and len(ys) >= limit:
                break
            padded = np.concatenate([np.full(block, boundary), ids, [boundary]])
            for t in range(len(ids) + 1):
                xs.append(padded[t:t + block])
                ys.append(padded[t + block])
        return np.array(xs[:limit], dtype=np.int64), np.array(ys[:limit], dtype=np.int64)
    lines = lines[:limit]
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
    if window:   # a view of the ids, not a copy: evaluation reads it a batch at a time
        return np.lib.stride_tricks.sliding_window_view(ids[:-1], block), ids[block:]
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
        corpus.check_split(split, block_size)
        self.stream = corpus.splits[split][0] if corpus.shape == "stream" else None
        if self.stream is None:
            self.x, self.y = corpus.examples(split, block_size, window)

    def sample(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        if self.stream is not None:   # any offset of running text, as nanoGPT samples
            starts = self.rng.integers(0, len(self.stream) - self.block, batch_size)
            offsets = starts[:, None] + np.arange(self.block)
            targets = starts + self.block if self.window else offsets + 1
            return self.stream[offsets], self.stream[targets]
        rows = self.rng.integers(0, len(self.x), batch_size)
        return self.x[rows], self.y[rows]
