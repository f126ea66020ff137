"""Settings declared once (issue 19) and checked before training (issue 20): the command line and
the checkpoint schema accept and refuse the same values of every setting, every bad option is
refused by `train` in one line with nothing written, and a run too large for the machine is
refused with its estimate."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from models import memory, schema
from models import settings as declared_settings
from models.checkpoint import CheckpointError
from models.cli import main
from models.cli.parser import UsageError, build_parser
from models.registry import build
from models.settings import (
    SECTIONS,
    Choice,
    DataSettings,
    Drops,
    Flag,
    ModelConfig,
    Number,
    Numbers,
    Text,
    TrainSettings,
    declared,
    flag_of,
    rule_of,
    to_json,
)

NAMES = "\n".join(["anna", "bob", "cleo", "dan", "eve", "finn", "gus", "hal", "ivy", "jo"] * 4)
BASE = {"model": to_json(ModelConfig(model="mlp", vocab_size=27, block_size=3, n_embd=10)),
        "train": to_json(TrainSettings()), "data": to_json(DataSettings())}


def number_cases(rule: Number) -> list[tuple[str, object]]:
    """(command-line text, the same value in JSON) at and just past each end of the range, and
    values of the wrong kind."""
    step = 1 if rule.kind is int else 1e-9
    cases: list[tuple[str, object]] = [("nan", math.nan), ("inf", math.inf), ("x", "x")]
    for end in (rule.low, rule.high):
        if math.isfinite(end):
            for value in (end - step, end, end + step):
                value = int(value) if rule.kind is int else float(value)
                cases.append((repr(value), value))
    if rule.kind is int:
        cases.append(("1.5", 1.5))
    return cases


def cases_of(rule: object) -> list[tuple[list[str], object]]:
    """Words after the flag, and the JSON value they stand for."""
    if isinstance(rule, Number):
        return [([text], value) for text, value in number_cases(rule)]
    if isinstance(rule, Choice):
        return [([c], c) for c in rule.choices] + [(["other"], "other"), ([""], "")]
    if isinstance(rule, Flag):
        return [([], True)]
    if isinstance(rule, Text):
        return [(["a.txt"], "a.txt"), ([""], "")]
    if isinstance(rule, Numbers) and rule.commas:
        return [(["0.8,0.1,0.1"], [0.8, 0.1, 0.1]), (["0.8,0.1,0.2"], [0.8, 0.1, 0.2]),
                (["0,0.5,0.5"], [0, 0.5, 0.5]), (["1,0,0"], [1.0, 0.0, 0.0]),
                (["0.5,0.5"], [0.5, 0.5]), (["1.5,-0.5,0"], [1.5, -0.5, 0.0]),
                (["nan,0.5,0.5"], [math.nan, 0.5, 0.5])]
    if isinstance(rule, Numbers):
        return [([text, "0.5"], [value, 0.5]) for text, value in number_cases(rule.item)]
    assert isinstance(rule, Drops)
    return [([f"{step}:{lr}"], {str(step): lr}) for step, lr in
            ((0, 0.1), (5, 1e-9), (5, 0.0), (5, -1.0), (5, math.nan), (5, math.inf))] + \
        [(["-1:0.1"], {"-1": 0.1}), (["x:0.1"], {"x": 0.1})]


def parser_accepts(flag: str, words: list[str]) -> bool:
    try:
        build_parser().parse_args(["train", "--model", "mlp", "--out", "x", flag, *words])
    except UsageError:
        return False
    return True


def schema_accepts(section: str, name: str, value: object) -> bool:
    try:
        schema.check_section(section, {**BASE[section], name: value}, Path("config.json"))
    except CheckpointError:
        return False
    return True


SETTINGS = [(section, item) for section, cls in SECTIONS.items() for item in declared(cls)
            if flag_of(item) is not None]


@pytest.mark.parametrize(("section", "item"), SETTINGS,
                         ids=[f"{s}.{i.name}" for s, i in SETTINGS])
def test_the_parser_and_the_schema_agree_on_every_setting(section: str, item) -> None:
    verdicts = {}
    for words, value in cases_of(rule_of(item)):
        by_parser = parser_accepts(flag_of(item), words)
        assert by_parser == schema_accepts(section, item.name, value), (words, value)
        verdicts[by_parser] = words
    if not isinstance(rule_of(item), Flag):
        assert set(verdicts) == {True, False}   # each was shown a value it takes and one it refuses


def test_every_setting_is_on_the_command_line_or_set_by_train() -> None:
    without = {f"{s}.{f.name}" for s, cls in SECTIONS.items() for f in declared(cls)
               if flag_of(f) is None}
    # vocab_size comes from the data, the model's seed from --seed, eval_limit is fixed
    assert without == {"model.vocab_size", "model.seed", "train.eval_limit"}
    assert set(schema.RULES) == {"model", "train", "data"}
    assert schema.REQUIRED["model"] == {"model", "vocab_size", "block_size", "n_embd"}


def test_the_choices_are_the_trainers_and_the_registrys() -> None:
    from autograd import optim
    from models.registry import MODELS
    from models.train import make_optimizer, make_schedule

    assert tuple(MODELS) == declared_settings.MODEL_NAMES
    model = build(ModelConfig(model="mlp", vocab_size=5, block_size=2, n_embd=2, n_hidden=3))
    made = {name: type(make_optimizer(model, TrainSettings(optimizer=name)))
            for name in declared_settings.OPTIMIZERS}
    assert made == {"sgd": optim.SGD, "adamw": optim.AdamW}
    for name in declared_settings.SCHEDULES:   # each schedule runs
        assert make_schedule(TrainSettings(schedule=name, lr=0.5))(0) > 0


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "names.txt"
    path.write_text(NAMES, encoding="utf-8")
    return path


# issue 20's list: what `train` used to save and then refuse, or crash on
REFUSED = [["--lr", "0"], ["--lr", "-1"], ["--dropout", "nan"], ["--momentum", "5"],
           ["--grad-clip", "-1"], ["--grad-clip", "nan"], ["--warmup", "-5"],
           ["--eval-every", "-1"], ["--lr-drop", "1:nan"], ["--n-embd", "0"],
           ["--block-size", "-1"], ["--n-hidden", "1000000000"], ["--eval-every", "0"],
           ["--live", "--port", "-1"], ["--live", "--port", "99999"],
           ["--batch-size", "10000000"], ["--n-embd", "100000000"]]


@pytest.mark.parametrize("bad", REFUSED, ids=[" ".join(b) for b in REFUSED])
def test_train_refuses_each_bad_setting_in_one_line_and_writes_nothing(
        bad: list[str], corpus: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    status = main(["train", "--model", "mlp", "--data", str(corpus), "--steps", "2",
                   "--out", str(out), "--quiet", *bad])
    err = capsys.readouterr().err
    assert status != 0 and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and not out.exists()
    option, value = bad[-2], bad[-1]   # named as the option, or the model's field
    assert f"argument {option}: {value!r} is not" in err or f"{option} {value} needs" in err or \
        f"{option[2:].replace('-', '_')} {value}" in err


def test_a_run_too_large_is_refused_with_its_estimate(corpus: Path, tmp_path: Path,
                                                      capsys) -> None:
    machine = memory.machine_memory()
    assert main(["train", "--model", "mlp", "--data", str(corpus), "--out", str(tmp_path / "o"),
                 "--batch-size", "10000000", "--quiet"]) == 1
    err = capsys.readouterr().err
    # 10⁷ examples × (3·10 + 2·200 + 3·V floats) × 2 (gradients) × 4 bytes; V = 18 tokens: the
    # 17 letters of NAMES and the boundary
    expected = 1e7 * (3 * 10 + 2 * 200 + 3 * 18) * 2 * 4
    assert f"--batch-size 10000000 needs about {expected / 1e9:.3g} GB for the mlp's " \
           f"activations; this machine has {machine / 1e9:.3g} GB" in err


@pytest.mark.parametrize("config", [
    {"model": "mlp", "block_size": 3, "n_embd": 5, "n_hidden": 7, "direct": True},
    {"model": "mlp", "block_size": 4, "n_embd": 2, "n_hidden": 9},
    {"model": "cnn", "block_size": 8, "n_embd": 5, "n_hidden": 7},
    {"model": "cnn", "block_size": 2, "n_embd": 3, "n_hidden": 4},
    {"model": "rnn", "block_size": 4, "n_embd": 5, "n_hidden": 7},
    {"model": "lstm", "block_size": 4, "n_embd": 5, "n_hidden": 7},
    {"model": "gru", "block_size": 4, "n_embd": 5, "n_hidden": 7},
    {"model": "bigram", "block_size": 1, "n_embd": 1},
    {"model": "ngram", "block_size": 2, "n_embd": 1},
    {"model": "transformer", "block_size": 4, "n_embd": 8, "n_head": 2, "n_layer": 2,
     "positions": "learned"},
    {"model": "transformer", "block_size": 5, "n_embd": 6, "n_head": 3, "n_layer": 3,
     "tied": True}])
def test_the_estimate_counts_the_parameters_each_model_has(config: dict) -> None:
    model_config = ModelConfig(vocab_size=11, **config)
    assert memory.parameters(model_config) == build(model_config).num_parameters()


def test_a_split_with_no_example_is_refused_before_training(tmp_path: Path, capsys) -> None:
    data = tmp_path / "three.txt"
    data.write_text("anna\nbob\ncleo\n")
    out = tmp_path / "out"
    assert main(["train", "--model", "mlp", "--data", str(data), "--out", str(out),
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "the val split is empty" in err and "train 2, val 0, test 1 lines" in err
    assert not out.exists()


def test_the_live_views_port_and_host_follow_their_declaration() -> None:
    parse = build_parser().parse_args
    assert parse(["train", "--model", "mlp", "--out", "x", "--live", "--port", "65535"]).port == 65535
    assert parse(["live", "--port", "0", "--host", "localhost"]).host == "localhost"
    for bad in (["--port", "65536"], ["--port", "-1"], ["--host", ""]):
        with pytest.raises(UsageError, match=f"argument {bad[0]}"):
            parse(["live", *bad])


def test_examples_cut_up_front_are_counted_in_the_estimate(tmp_path: Path, capsys,
                                                           monkeypatch) -> None:
    data = tmp_path / "same.txt"
    data.write_text("abcd\n" * 40)   # the train split: 32 lines of 4 letters and an end each
    monkeypatch.setattr(memory, "machine_memory", lambda: 8000)
    assert main(["train", "--model", "mlp", "--data", str(data), "--out", str(tmp_path / "o"),
                 "--quiet"]) == 1
    # 160 examples of 3 context ids and a target, 8 bytes each: 5,120 bytes > half of 8,000
    assert "the data's 160 training examples need about 5.12 kB at block_size 3; this machine " \
           "has 8 kB" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
