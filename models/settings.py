"""Every setting of a run, declared once: a dataclass field whose metadata holds its rule (type
and range, or choices) and its help.

Three readers derive what they need from these fields and nothing else:
- the command line (models/cli/parser.py): each option's flag, argparse type, choices and help;
  a value outside the rule is a usage error before anything is read or written;
- the checkpoint schema (models/schema.py): the same rule judges the value in config.json, so
  a setting `train` accepts is one `eval`, `sample` and `--resume` accept, and the reverse;
- the trainer, which reads the dataclasses (`ModelConfig`, `TrainSettings`, `DataSettings`,
  `ServerSettings` for the live view's server).

A rule judges JSON values (`fits`), turns command-line text into a value (`parse`, which
refuses what `fits` refuses), and converts between JSON and the dataclass's Python value.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import MISSING, Field, asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from models.data import Corpus, Vocabulary

# Every choice, spelled here only.
MODEL_NAMES = ("ngram", "bigram", "mlp", "cnn", "rnn", "lstm", "gru", "transformer")   # lectures' order
OPTIMIZERS = ("sgd", "adamw")
SCHEDULES = ("constant", "step", "cosine")
LEVELS = ("char", "word")
SHAPES = ("auto", "lines", "stream")
NONLINEARITIES = ("tanh", "sigmoid")
POSITIONS = ("sinusoidal", "learned")
SMOOTHINGS = ("mle", "add-k", "interpolation", "kneser-ney")
LOOPBACK = "127.0.0.1"


class SettingsError(ValueError):
    """A setting out of its range, or settings that do not fit together."""


class Rule:
    """What values one setting takes. Subclasses define `fits` (on a JSON value) and
    `describe`; `parse` turns command-line text into a value and refuses what `fits` refuses."""

    def fits(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def read(self, text: str) -> Any:
        """The JSON value written as `text` on the command line (ValueError if it is none)."""
        return text

    def parse(self, text: str) -> Any:
        """Command-line text → the dataclass's value; argparse reports the error in one line."""
        try:
            value = self.read(text)
        except (ValueError, OverflowError):
            value = MISSING
        if value is MISSING or not self.fits(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {self.describe()}")
        return self.from_json(value)

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Number(Rule):
    """An integer (`kind` int) or a finite number in [low, high]; `*_open` excludes the end."""

    kind: type
    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def fits(self, value: Any) -> bool:
        allowed = (int,) if self.kind is int else (int, float)
        if type(value) not in allowed or not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def describe(self) -> str:
        what = "an integer" if self.kind is int else "a finite number"
        text = f"{what} {'>' if self.low_open else '≥'} {self.low:g}"
        if self.high != math.inf:
            text += f" and {'<' if self.high_open else '≤'} {self.high:g}"
        return text

    def read(self, text: str) -> Any:
        return int(text) if self.kind is int else float(text)


@dataclass(frozen=True)
class Choice(Rule):
    choices: tuple[str, ...]

    def fits(self, value: Any) -> bool:
        return type(value) is str and value in self.choices

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)


@dataclass(frozen=True)
class Flag(Rule):
    def fits(self, value: Any) -> bool:
        return type(value) is bool

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Text(Rule):
    """A non-empty string (a path, a host name), or null where `optional`."""

    optional: bool = False

    def fits(self, value: Any) -> bool:
        return (self.optional and value is None) or (type(value) is str and value != "")

    def describe(self) -> str:
        return "a non-empty text" + (" or null" if self.optional else "")


@dataclass(frozen=True)
class Numbers(Rule):
    """A fixed count of numbers, each of rule `item` (a list in JSON, a tuple in Python); on
    the command line `count` words, or one word of comma-separated numbers with `commas`."""

    item: Number
    count: int
    total: float | None = None   # if set, the numbers add up to this, and the first is > 0
    commas: bool = False

    def fits(self, value: Any) -> bool:
        if not (isinstance(value, list) and len(value) == self.count and
                all(self.item.fits(v) for v in value)):
            return False
        return self.total is None or (abs(sum(value) - self.total) < 1e-6 and value[0] > 0)

    def describe(self) -> str:
        text = f"{self.count} numbers, each {self.item.describe()}"
        if self.total is not None:
            text += f", that add up to {self.total:g}, the first > 0"
        return text

    def read(self, text: str) -> Any:
        return [float(part) for part in text.split(",")]

    def to_json(self, value: Any) -> Any:
        return list(value)

    def from_json(self, value: Any) -> Any:
        return tuple(value)


@dataclass(frozen=True)
class Drops(Rule):
    """A step schedule's table step → learning rate; `STEP:LR` on the command line, repeatable."""

    step: Number
    lr: Number

    def fits(self, value: Any) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and k.isdigit() and self.step.fits(int(k)) and self.lr.fits(v)
            for k, v in value.items())

    def describe(self) -> str:
        return f"a table of step ({self.step.describe()}) → learning rate ({self.lr.describe()})"

    def parse(self, text: str) -> Any:
        step, _, lr = text.partition(":")
        try:
            pair = {str(int(step)): float(lr)}
        except ValueError:
            pair = {}
        if not pair or not self.fits(pair):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not STEP:LR with STEP {self.step.describe()} and LR "
                f"{self.lr.describe()}, e.g. 100000:0.01")
        return int(step), float(lr)

    def to_json(self, value: Any) -> Any:
        return {str(k): v for k, v in value.items()}

    def from_json(self, value: Any) -> Any:
        return {int(k): float(v) for k, v in value.items()}


def setting(rule: Rule, help: str, default: Any = MISSING, factory: Callable[[], Any] | None = None,
            flag: str | None = "", per_model: bool = False, metavar: str | None = None) -> Any:
    """A dataclass field with its rule and help. `flag` "" means --the-field-name, None no
    command-line option; `per_model` defaults come from models.registry (DEFAULTS, TRAINING)."""
    meta = {"rule": rule, "help": help, "flag": flag, "per_model": per_model, "metavar": metavar}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


COUNT = Number(int, 1)
NATURAL = Number(int, 0)
RATE = Number(float, 0, low_open=True)
NONNEGATIVE = Number(float, 0)
FRACTION = Number(float, 0, 1, high_open=True)


Settings = TypeVar("Settings", bound="Declared")


class Declared:
    """What the settings dataclasses below share: their JSON form, field by field."""

    def to_json(self) -> dict[str, Any]:
        return to_json(self)

    @classmethod
    def from_json(cls: type[Settings], data: dict[str, Any]) -> Settings:
        return from_json(cls, data)


@dataclass
class ModelConfig(Declared):
    """Every model's size and options (each model reads the fields it needs)."""

    model: str = setting(Choice(MODEL_NAMES), "the model")
    vocab_size: int = setting(Number(int, 2), "tokens the model knows (from the data)", flag=None)
    block_size: int = setting(COUNT, "context length in tokens", per_model=True)
    n_embd: int = setting(COUNT, "embedding width", per_model=True)
    n_hidden: int = setting(COUNT, "hidden width (mlp, cnn, rnn)", 64, per_model=True)
    n_layer: int = setting(COUNT, "transformer: blocks", 4, per_model=True)
    n_head: int = setting(COUNT, "transformer: attention heads", 4, per_model=True)
    dropout: float = setting(FRACTION, "dropout probability", 0.0)
    nonlinearity: str = setting(Choice(NONLINEARITIES), "rnn: the state's nonlinearity", "tanh")
    direct: bool = setting(Flag(), "mlp: direct input-output connections (Bengio et al.)", False)
    positions: str = setting(Choice(POSITIONS), "transformer: position encoding", "sinusoidal")
    tied: bool = setting(Flag(), "transformer: tie the output projection to the embedding", False)
    smoothing: str = setting(Choice(SMOOTHINGS), "ngram: how unseen continuations get probability",
                             "add-k", per_model=True)
    add_k: float = setting(RATE, "ngram: the k of add-k smoothing", 1.0)
    seed: int = setting(NATURAL, "initial weights (the command line's --seed)", 0, flag=None)


@dataclass
class TrainSettings(Declared):
    """How to train (everything `backproplab train` takes besides the model's size)."""

    steps: int = setting(NATURAL, "train until this step", 1000)
    batch_size: int = setting(COUNT, "examples per step", 32)
    optimizer: str = setting(Choice(OPTIMIZERS), "sgd (with momentum) or adamw", "adamw",
                             per_model=True)
    lr: float = setting(RATE, "learning rate", 1e-3, per_model=True)
    momentum: float = setting(FRACTION, "sgd: momentum", 0.0)
    betas: tuple[float, float] = setting(Numbers(FRACTION, 2), "adamw: β₁ β₂", (0.9, 0.99),
                                         metavar="B")
    weight_decay: float = setting(NONNEGATIVE, "decoupled weight decay", 0.01, per_model=True)
    schedule: str = setting(Choice(SCHEDULES), "learning-rate schedule", "constant")
    lr_drops: dict[int, float] = setting(  # noqa: RUF009 (a field with a default_factory)
        Drops(NATURAL, RATE), "step schedule: from STEP on use LR (repeatable)", factory=dict,
        flag="--lr-drop", metavar="STEP:LR")
    warmup: int = setting(NATURAL, "cosine schedule: warm-up steps", 0)
    min_lr: float = setting(NONNEGATIVE, "cosine schedule: the floor", 0.0)
    grad_clip: float = setting(NONNEGATIVE, "max global gradient norm (0: off)", 0.0)
    bptt: int = setting(NATURAL, "rnn, lstm, gru: truncated BPTT chunk length (0: full BPTT)", 0)
    eval_every: int = setting(COUNT, "validate and save every this many steps", 500)
    eval_limit: int = setting(COUNT, "periodic validation reads at most this many examples",
                              4096, flag=None)
    seed: int = setting(NATURAL, "batches, dropout and initial weights", 42)
    keep: int = setting(COUNT, "complete checkpoints kept (the newest; a save never destroys "
                        "the last good one)", 2)


@dataclass
class DataSettings(Declared):
    """Where the text comes from and how it is cut: path None means the built-in names."""

    path: str | None = setting(Text(optional=True), "a UTF-8 text file (default: the built-in "
                               "names)", None, flag="--data")
    level: str = setting(Choice(LEVELS), "tokens: characters or words", "char")
    shape: str = setting(Choice(SHAPES), "one example per line, or running text (auto: lines "
                         "when no line has a space)", "auto")
    split_seed: int = setting(NATURAL, "shuffles lines before splitting", 42)
    fractions: tuple[float, float, float] = setting(
        Numbers(Number(float, 0, 1), 3, total=1.0, commas=True), "train, validation, test "
        "fractions", (0.8, 0.1, 0.1), flag="--split", metavar="T,V,T")

    def load(self, vocab: Vocabulary | None = None) -> Corpus:
        from models.data import Corpus, builtin_names, read_text

        text = builtin_names() if self.path is None else read_text(self.path)
        return Corpus.from_text(text, self.level, self.shape, self.split_seed, self.fractions, vocab)


@dataclass
class ServerSettings(Declared):
    """How the live view's server (`train --live`, and the playground `live`) serves. Every
    server option belongs here (a read-only mode, an access token's settings), so that both
    commands take it with its rule and help."""

    host: str = setting(Text(), "the address to listen on (127.0.0.1: this machine only)",
                        LOOPBACK)
    port: int = setting(Number(int, 0, 65535), "the port (0: a free one)", 0)
    read_only: bool = setting(Flag(), "a page without controls, for serving a class", False)


SECTIONS: dict[str, type] = {"model": ModelConfig, "train": TrainSettings, "data": DataSettings}


def declared(cls: type) -> tuple[Field, ...]:
    """The settings of a dataclass above, in order."""
    return fields(cls)


def rule_of(item: Field) -> Rule:
    return item.metadata["rule"]


def flag_of(item: Field) -> str | None:
    """The command-line option of a setting, or None if it has none."""
    flag = item.metadata["flag"]
    return "--" + item.name.replace("_", "-") if flag == "" else flag


def dest_of(item: Field) -> str:
    """The argparse attribute that holds a setting's option."""
    flag = flag_of(item)
    return item.name if flag is None else flag[2:].replace("-", "_")


def default_of(item: Field) -> Any:
    if item.default_factory is not MISSING:
        return item.default_factory()
    return None if item.default is MISSING else item.default


def to_json(settings: Any) -> dict[str, Any]:
    values = asdict(settings)
    return {f.name: rule_of(f).to_json(values[f.name]) for f in declared(type(settings))}


def from_json(cls: type, data: dict[str, Any]) -> Any:
    """The dataclass `cls` from its JSON table (missing fields take their defaults); a field
    the table should not have, or one of a wrong value, is a SettingsError."""
    rules = {f.name: f for f in declared(cls)}
    unknown = sorted(set(data) - set(rules))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]}")
    for name, value in data.items():
        if not rule_of(rules[name]).fits(value):
            raise SettingsError(f"setting {name} is {value!r}; it must be "
                                f"{rule_of(rules[name]).describe()}")
    return cls(**{name: rule_of(rules[name]).from_json(value) for name, value in data.items()})


def check(settings: Any) -> None:
    """Refuse, naming the option, a dataclass that holds a value outside its rule (the command
    line parses through the rules, so this catches values set in code)."""
    for item in declared(type(settings)):
        value = rule_of(item).to_json(getattr(settings, item.name))
        if not rule_of(item).fits(value):
            name = flag_of(item) or item.name
            raise SettingsError(f"{name} {value!r}: it must be {rule_of(item).describe()}")
