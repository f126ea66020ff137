"""One schema for a checkpoint's settings, checked before anything is built from them.

`check(saved, folder)` reads what `checkpoint.load` returned and raises `CheckpointError` with
one line naming the file, the field and what is wrong: a field of the wrong type or out of
range (the rules of models/settings.py, which the command line parses with), an unknown field,
a model too large for this machine's memory (models/memory.py), a vocabulary that does not fit
the model, a loss history that is not numbers, an optimizer state of unknown entries or
non-finite values (the weights' dtypes and values are `Module.load_state_dict`'s to check).
`eval`, `sample` and `train --resume` all pass through it, so a hand-edited checkpoint is
refused in the same words by each of them, and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING
from pathlib import Path
from typing import Any

import numpy as np

from models import memory
from models.checkpoint import CheckpointError, current
from models.settings import LEVELS, NATURAL, SECTIONS, ModelConfig, Rule, SettingsError, declared, rule_of

# The rules of every field, from the one declaration in models/settings.py.
RULES: dict[str, dict[str, Rule]] = {
    section: {f.name: rule_of(f) for f in declared(cls)} for section, cls in SECTIONS.items()}
REQUIRED: dict[str, set[str]] = {
    section: {f.name for f in declared(cls) if f.default is MISSING and
              f.default_factory is MISSING} for section, cls in SECTIONS.items()}
TOP = {"format", "version", *SECTIONS, "step", "sha256"}
STEP = NATURAL


def check(saved: dict[str, Any], folder: str | Path) -> None:
    """Refuse, in one line naming file and field, any setting a checkpoint should not have."""
    where = current(folder)
    config = saved["config"]
    _table(config, where / "config.json", "", {key: None for key in TOP}, {"step"})
    if not STEP.fits(config["step"]):
        _refuse(where / "config.json", "step", config["step"], STEP.describe())
    for section in RULES:
        if section in config:
            check_section(section, config[section], where / "config.json")
    if "model" in config:
        _check_size(config, where / "config.json")
    _check_vocabulary(saved["vocab"], config.get("model", {}), where / "vocab.json")
    _check_state(saved["state"], where / "state.json")
    # weights are checked by Module.load_state_dict, which every command calls; the optimizer
    # state only by a resumed run, so eval and sample look at it here
    _check_optimizer(saved["optimizer"], where / "optimizer.npz")


def check_section(section: str, table: Any, path: Path) -> None:
    """Refuse a settings table (config.json's model, train or data) that breaks its rules."""
    _table(table, path, f"{section}.", RULES[section], REQUIRED[section])


def _check_size(config: dict[str, Any], path: Path) -> None:
    """A model too large for this machine is refused before its weights are allocated."""
    model = ModelConfig.from_json(config["model"])
    try:
        memory.check_fits(model, None)
    except SettingsError as error:
        raise CheckpointError(f"{path}: {error}") from None


def _table(table: Any, path: Path, prefix: str, rules: Mapping[str, Rule | None],
           required: set[str]) -> None:
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
        if rule is not None and not rule.fits(value):
            _refuse(path, prefix + name, value, rule.describe())


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
    if vocab["level"] not in LEVELS:
        _refuse(path, "level", vocab["level"], " or ".join(repr(level) for level in LEVELS))
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

