"""Hand-edited checkpoints (issue 12): every field of every file, set to wrong types, values out
of range and combinations that do not fit, is refused by `eval`, `sample` and `train --resume`
with one line and a non-zero exit, no traceback, and the folder left byte for byte as it was."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from models.checkpoint import current
from models.cli import main

NAMES = "\n".join(["anna", "bob", "cleo", "dan", "eve", "finn", "gus", "hal", "ivy", "jo"] * 4)
SMALL = ["--n-embd", "8", "--n-hidden", "16"]

# hand-written: what each field must not be
NOT_A_COUNT = ["x", -1, None, [1], 1.5, 0, True]          # fields that must be an integer ≥ 1
NOT_A_NATURAL = ["x", -1, None, [1], 1.5, True]           # integer ≥ 0
NOT_A_RATE = ["x", -1, None, [1], 0, float("nan"), True]  # finite number > 0
NOT_A_NONNEGATIVE = ["x", -1, None, [1], float("inf")]    # finite number ≥ 0
NOT_A_FLAG = ["x", 1, None, [True]]
BAD_CONFIG = {
    "model.model": ["x", 1, None, "lstm"],
    "model.vocab_size": [*NOT_A_COUNT, 1],
    "model.block_size": NOT_A_COUNT,
    "model.n_embd": NOT_A_COUNT,
    "model.n_hidden": [*NOT_A_COUNT, 10**9],   # 10⁹: more memory than a machine has
    "model.n_layer": NOT_A_COUNT,
    "model.n_head": NOT_A_COUNT,
    "model.dropout": ["x", -0.1, 1.0, None, [0]],
    "model.nonlinearity": ["relu", 1, None],
    "model.direct": NOT_A_FLAG,
    "model.positions": ["rotary", None, 0],
    "model.tied": NOT_A_FLAG,
    "model.seed": NOT_A_NATURAL,
    "train.steps": NOT_A_NATURAL,
    "train.batch_size": NOT_A_COUNT,
    "train.optimizer": ["adam", None, 1],
    "train.lr": NOT_A_RATE,
    "train.momentum": ["x", -0.5, 1.0, None],
    "train.betas": ["x", [0.9], [0.9, 1.5], None, [0.9, "x"]],
    "train.weight_decay": NOT_A_NONNEGATIVE,
    "train.schedule": ["linear", None, 3],
    "train.lr_drops": [[1], {"x": 0.1}, {"10": -1}, "x", None],
    "train.warmup": NOT_A_NATURAL,
    "train.min_lr": NOT_A_NONNEGATIVE,
    "train.grad_clip": NOT_A_NONNEGATIVE,
    "train.bptt": NOT_A_NATURAL,
    "train.eval_every": NOT_A_COUNT,
    "train.eval_limit": NOT_A_COUNT,
    "train.seed": NOT_A_NATURAL,
    "train.keep": NOT_A_COUNT,
    "data.path": [1, "", [1], True],
    "data.level": ["byte", None, 1],
    "data.shape": ["tree", None, 1],
    "data.split_seed": NOT_A_NATURAL,
    "data.fractions": ["x", [0.5, 0.5], ["a", "b", "c"], [0.8, 0.1, 0.2], [0, 0.5, 0.5], None],
    "step": NOT_A_NATURAL,
}


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("schema")
    corpus = folder / "names.txt"
    corpus.write_text(NAMES, encoding="utf-8")
    out = folder / "good"
    assert main(["train", "--model", "mlp", "--data", str(corpus), "--steps", "3",
                 "--eval-every", "3", "--quiet", *SMALL, "--out", str(out)]) == 0
    return out, corpus


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused_everywhere(folder: Path, corpus: Path, capsys, what: str) -> None:
    before = snapshot(folder)
    commands = [["eval", "--checkpoint", str(folder)],
                ["sample", "--checkpoint", str(folder), "--n", "1"],
                ["train", "--model", "mlp", "--data", str(corpus), "--steps", "5", "--quiet",
                 "--resume", "--out", str(folder)]]
    for command in commands:
        status = main(command)
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line]
        assert status != 0, (what, command[0])
        assert len(lines) == 1 and lines[0].startswith("backproplab: "), (what, command[0], err)
        assert "Traceback" not in err
        assert snapshot(folder) == before, (what, command[0])


def edited(good: Path, tmp_path: Path, name: str) -> tuple[Path, Path]:
    folder = tmp_path / name
    shutil.copytree(good, folder)
    return folder, current(folder)


def rewrite_json(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def set_field(config: dict, dotted: str, value) -> None:
    *sections, name = dotted.split(".")
    table = config
    for section in sections:
        table = table[section]
    table[name] = value


@pytest.mark.parametrize("field", sorted(BAD_CONFIG))
def test_every_config_field_with_a_bad_value_is_refused(field: str, trained, tmp_path: Path,
                                                        capsys) -> None:
    good, corpus = trained
    for k, value in enumerate(BAD_CONFIG[field]):
        folder, save = edited(good, tmp_path, f"{field}-{k}")
        rewrite_json(save / "config.json", lambda c, v=value: set_field(c, field, v))
        refused_everywhere(folder, corpus, capsys, f"{field} = {value!r}")


def rewrite_npz(save: Path, name: str, change) -> None:
    """Change an .npz file and record its new SHA-256 in config.json, as a careful editor would."""
    with np.load(save / name) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    (save / name).write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    rewrite_json(save / "config.json", lambda c: c["sha256"].__setitem__(name, digest))


def rewrite_digested_json(save: Path, name: str, change) -> None:
    rewrite_json(save / name, change)
    digest = hashlib.sha256((save / name).read_bytes()).hexdigest()
    rewrite_json(save / "config.json", lambda c: c["sha256"].__setitem__(name, digest))


def first_weight(arrays: dict) -> str:
    return sorted(arrays)[0]


EDITS = {
    "unknown top-level key": lambda s: rewrite_json(s / "config.json", lambda c: c.update(x=1)),
    "unknown model field": lambda s: rewrite_json(s / "config.json",
                                                  lambda c: c["model"].update(width=3)),
    "missing step": lambda s: rewrite_json(s / "config.json", lambda c: c.pop("step")),
    "model not a table": lambda s: rewrite_json(s / "config.json",
                                                lambda c: c.__setitem__("model", [1])),
    "vocab_size above the vocabulary": lambda s: rewrite_json(
        s / "config.json", lambda c: c["model"].__setitem__("vocab_size",
                                                            c["model"]["vocab_size"] + 1)),
    "vocabulary longer than the embedding": lambda s: rewrite_digested_json(
        s, "vocab.json", lambda v: v["tokens"].append("zz")),
    "boundary out of range": lambda s: rewrite_digested_json(
        s, "vocab.json", lambda v: v.__setitem__("boundary", len(v["tokens"]))),
    "boundary a string": lambda s: rewrite_digested_json(
        s, "vocab.json", lambda v: v.__setitem__("boundary", "0")),
    "tokens of the wrong type": lambda s: rewrite_digested_json(
        s, "vocab.json", lambda v: v.__setitem__("tokens", [1] * len(v["tokens"]))),
    "vocabulary level unknown": lambda s: rewrite_digested_json(
        s, "vocab.json", lambda v: v.__setitem__("level", "byte")),
    "vocabulary with an unknown field": lambda s: rewrite_digested_json(
        s, "vocab.json", lambda v: v.__setitem__("extra", 1)),
    "random state not a table": lambda s: rewrite_digested_json(
        s, "state.json", lambda v: v.__setitem__("rng", 1)),
    "random state of another generator": lambda s: rewrite_digested_json(
        s, "state.json", lambda v: v["rng"].__setitem__("bit_generator", "MT19937")),
    "validation not pairs": lambda s: rewrite_digested_json(
        s, "state.json", lambda v: v.__setitem__("validation", [1.0])),
    "a weight missing": lambda s: rewrite_npz(s, "weights.npz",
                                              lambda a: a.pop(first_weight(a))),
    "history of strings": lambda s: rewrite_digested_json(
        s, "state.json", lambda v: v.__setitem__("history", ["x"])),
    "history an int": lambda s: rewrite_digested_json(
        s, "state.json", lambda v: v.__setitem__("history", 3)),
    "integer weights": lambda s: rewrite_npz(
        s, "weights.npz", lambda a: a.__setitem__(first_weight(a), a[first_weight(a)].astype(int))),
    "complex weights": lambda s: rewrite_npz(
        s, "weights.npz", lambda a: a.__setitem__(first_weight(a), a[first_weight(a)] + 1j)),
    "NaN weights": lambda s: rewrite_npz(
        s, "weights.npz", lambda a: a[first_weight(a)].__setitem__((0,) * a[first_weight(a)].ndim,
                                                                    np.nan)),
    "weights of the wrong shape": lambda s: rewrite_npz(
        s, "weights.npz", lambda a: a.__setitem__(first_weight(a), np.zeros((2, 2)))),
    "optimizer lr NaN": lambda s: rewrite_npz(
        s, "optimizer.npz", lambda a: a.__setitem__("lr", np.array(np.nan))),
    "optimizer extra key": lambda s: rewrite_npz(
        s, "optimizer.npz", lambda a: a.__setitem__("extra", np.zeros(3))),
}


@pytest.mark.parametrize("what", sorted(EDITS))
def test_edits_that_do_not_fit_are_refused(what: str, trained, tmp_path: Path, capsys) -> None:
    good, corpus = trained
    folder, save = edited(good, tmp_path, what.replace(" ", "-"))
    EDITS[what](save)
    refused_everywhere(folder, corpus, capsys, what)


def test_the_untouched_checkpoint_is_accepted(trained, capsys) -> None:
    good, _ = trained
    assert main(["eval", "--checkpoint", str(good)]) == 0
