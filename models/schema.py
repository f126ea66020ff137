"""One schema for a checkpoint's settings, checked before anything is built from them.

`check(saved, folder)` reads what `checkpoint.load` returned and raises `CheckpointError` with
one line naming the file, the field and what is wrong: a field of the wrong type or out of
range, an unknown field, a vocabulary that does not fit the model, a loss history that is not
numbers, an optimizer state of unknown entries or non-finite values (the weights' dtypes and
values are `Module.load_state_dict`'s to check). `eval`, `sample` and `train --resume` all pass
through it, so a hand-edited checkpoint
is refused in the same words by each of them, and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from models.checkpoint import CheckpointError, current
from models.ngram import SMOOTHINGS
from models.registry import MODELS

Check = Callable[[Any], bool]


def _integer(low: int) -> tuple[Check, str]:
    return (lambda v: type(v) is int and v >= low), f"an integer ≥ {low}"


def _number(low: float, high: float = math.inf, high_open: bool = False) -> tuple[Check, str]:
    def fits(v: Any) -> bool:
        return type(v) in (int, float) and math.isfinite(v) and low <= v and \
            (v < high if high_open else v <= high)
    bound = "" if high == math.inf else f" and {'<' if high_open else '≤'} {high:g}"
    return fits, f"a finite number ≥ {low:g}{bound}"


def _one_of(*choices: Any) -> tuple[Check, str]:
    return (lambda v: v in choices and type(v) is type(choices[0])), \
        "one of " + ", ".join(repr(c) for c in choices)


def _flag() -> tuple[Check, str]:
    return (lambda v: type(v) is bool), "true or false"


def _pair_of_betas(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_number(0, 1, True)[0](b) for b in v)


def _drops(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(k, str) and k.isdigit() and _number(0)[0](lr) and lr > 0 for k, lr in v.items())


def _fractions(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 3 and all(_number(0, 1)[0](f) for f in v) and \
        abs(sum(v) - 1) < 1e-6 and v[0] > 0


MODEL: dict[str, tuple[Check, str]] = {
    "model": _one_of(*MODELS),
    "vocab_size": _integer(2),
    "block_size": _integer(1),
    "n_embd": _integer(1),
    "n_hidden": _integer(1),
    "n_layer": _integer(1),
    "n_head": _integer(1),
    "dropout": _number(0, 1, high_open=True),
    "nonlinearity": _one_of("tanh", "sigmoid"),
    "direct": _flag(),
    "positions": _one_of("sinusoidal", "learned"),
    "tied": _flag(),
    "smoothing": _one_of(*SMOOTHINGS),
    "add_k": ((lambda v: _number(0)[0](v) and v > 0), "a finite number > 0"),
    "seed": _integer(0),
}
TRAIN: dict[str, tuple[Check, str]] = {
    "steps": _integer(0),
    "batch_size": _integer(1),
    "optimizer": _one_of("sgd", "adamw"),
    "lr": ((lambda v: _number(0)[0](v) and v > 0), "a finite number > 0"),
    "momentum": _number(0, 1, high_open=True),
    "betas": (_pair_of_betas, "two numbers in [0, 1)"),
    "weight_decay": _number(0),
    "schedule": _one_of("constant", "step", "cosine"),
    "lr_drops": (_drops, "a table of step → learning rate > 0"),
    "warmup": _integer(0),
    "min_lr": _number(0),
    "grad_clip": _number(0),
    "bptt": _integer(0),
    "eval_every": _integer(1),
    "eval_limit": _integer(1),
    "seed": _integer(0),
    "keep": _integer(1),
}
DATA: dict[str, tuple[Check, str]] = {
    "path": ((lambda v: v is None or (isinstance(v, str) and v != "")), "a file path or null"),
    "level": _one_of("char", "word"),
    "shape": _one_of("auto", "lines", "stream"),
    "split_seed": _integer(0),
    "fractions": (_fractions, "three fractions ≥ 0 that sum to 1, the first > 0"),
}
TOP = {"format", "version", "model", "train", "data", "step", "sha256"}
REQUIRED = {"model": {"model", "vocab_size", "block_size", "n_embd"}, "train": set(),
            "data": set()}


def check(saved: dict[str, Any], folder: str | Path) -> None:
    """Refuse, in one line naming file and field, any setting a checkpoint should not have."""
    where = current(folder)
    config = saved["config"]
    _table(config, where / "config.json", "", {key: None for key in TOP}, {"step"})
    step_ok, step_rule = _integer(0)
    if not step_ok(config["step"]):
        _refuse(where / "config.json", "step", config["step"], step_rule)
    for section, rules in (("model", MODEL), ("train", TRAIN), ("data", DATA)):
        if section in config:
            _table(config[section], where / "config.json", f"{section}.", rules,
                   REQUIRED[section])
    _check_vocabulary(saved["vocab"], config.get("model", {}), where / "vocab.json")
    _check_state(saved["state"], where / "state.json")
    # weights are checked by Module.load_state_dict, which every command calls; the optimizer
    # state only by a resumed run, so eval and sample look at it here
    _check_optimizer(saved["optimizer"], where / "optimizer.npz")


def _table(table: Any, path: Path, prefix: str, rules: dict[str, Any], required: set[str]) -> None:
    if not isinstance(table, dict):
        raise CheckpointError(f"{path}: {prefix.rstrip('.') or 'the file'} must be a table")
    unknown = sorted(set(table) - set(rules))
    if unknown:
        raise CheckpointError(f"{path}: unknown field {prefix}{unknown[0]}")
    missing = sorted(required - set(table))
    if missing:
        raise CheckpointError(f"{path}: field {prefix}{missing[0]} is missing")
    for name, value in table.items():
        rule = rules[name]
        if rule is not None and not rule[0](value):
            _refuse(path, prefix + name, value, rule[1])


def _refuse(path: Path, field: str, value: Any, rule: str) -> None:
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise CheckpointError(f"{path}: field {field} is {shown}; it must be {rule}")


def _check_vocabulary(vocab: Any, model: dict[str, Any], path: Path) -> None:
    if not isinstance(vocab, dict) or set(vocab) != {"tokens", "level", "boundary"}:
        raise CheckpointError(f"{path}: must be a table of tokens, level and boundary")
    tokens = vocab["tokens"]
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens) or \
            len(set(tokens)) != len(tokens):
        raise CheckpointError(f"{path}: field tokens must be a list of distinct, non-empty strings")
    if len(tokens) != model.get("vocab_size"):
        raise CheckpointError(f"{path}: {len(tokens)} tokens for a model of vocab_size "
                              f"{model.get('vocab_size')} (config.json)")
    if vocab["level"] not in ("char", "word"):
        _refuse(path, "level", vocab["level"], "'char' or 'word'")
    boundary = vocab["boundary"]
    if boundary is not None and not (type(boundary) is int and 0 <= boundary < len(tokens)):
        _refuse(path, "boundary", boundary, f"null or a token index below {len(tokens)}")


def _check_state(state: Any, path: Path) -> None:
    if not isinstance(state, dict) or "rng" not in state:
        raise CheckpointError(f"{path}: must be a table with the random state (rng)")
    unknown = sorted(set(state) - {"rng", "history", "validation"})
    if unknown:
        raise CheckpointError(f"{path}: unknown field {unknown[0]}")
    rng = state["rng"]
    if not (isinstance(rng, dict) and rng.get("bit_generator") == "PCG64" and
            isinstance(rng.get("state"), dict)):
        _refuse(path, "rng", rng, "numpy's PCG64 state (a table)")
    history, validation = state.get("history", []), state.get("validation", [])
    if not isinstance(history, list) or not all(_finite(v) for v in history):
        _refuse(path, "history", history, "a list of finite numbers")
    if not isinstance(validation, list) or not all(
            isinstance(p, list) and len(p) == 2 and type(p[0]) is int and _finite(p[1])
            for p in validation):
        _refuse(path, "validation", validation, "a list of [step, loss] pairs")


def _finite(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _check_optimizer(state: dict[str, Any], path: Path) -> None:
    """lr, steps and the per-parameter buffers (`m.0`, `delta.3`); their shapes are checked
    against the parameters when a run resumes."""
    for name in ("lr", "steps"):
        if name not in state or state[name].shape != ():
            raise CheckpointError(f"{path}: {name} must be a single number")
    unknown = sorted(k for k in state if k not in ("lr", "steps") and
                     not (k.count(".") == 1 and k.split(".")[1].isdigit()))
    if unknown:
        raise CheckpointError(f"{path}: unknown entry {unknown[0]}")
    for name, array in state.items():
        if array.dtype.kind not in "fiu" or not np.isfinite(array).all():
            raise CheckpointError(f"{path}: {name} must hold finite real numbers (it has dtype "
                                  f"{array.dtype})")
    if state["lr"] < 0 or state["steps"].dtype.kind not in "iu" or state["steps"] < 0:
        raise CheckpointError(f"{path}: lr must be ≥ 0 and steps an integer ≥ 0")

