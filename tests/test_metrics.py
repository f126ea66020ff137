"""`OUT/metrics.jsonl` holds what the trainer computed, a resumed run's log tells one story, and
`backproplab plot` redraws it; the diagnostics are the numbers they claim to be."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.checkpoint import current
from models.cli import main
from models.diagnostics import Probe, histogram
from models.metrics import MetricsLog, read_metrics
from tests.test_cli import NAMES, SMALL


@pytest.fixture
def names(tmp_path: Path) -> Path:
    path = tmp_path / "names.txt"
    path.write_text(NAMES, encoding="utf-8")
    return path


def train(data: Path, out: Path, steps: int, *extra: str) -> int:
    return main(["train", "--model", "mlp", "--data", str(data), "--steps", str(steps),
                 "--eval-every", "10", "--out", str(out), "--quiet", *SMALL, *extra])


def test_metrics_hold_the_losses_the_trainer_computed(names: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert train(names, out, 25, "--diagnostics-every", "5") == 0
    records = read_metrics(out / "metrics.jsonl")
    history = json.loads((current(out) / "state.json").read_text())["history"]
    assert [r["step"] for r in records] == list(range(1, 26))
    assert [r["loss"] for r in records] == history   # the same floats, not recomputed
    validated = json.loads((current(out) / "state.json").read_text())["validation"]
    assert [[r["step"], r["val_loss"]] for r in records if "val_loss" in r] == validated
    with_diagnostics = [r["step"] for r in records if "layers" in r]
    assert with_diagnostics == [1, 5, 10, 15, 20, 25]
    layers = records[-1]["layers"]
    assert set(layers) == {"embedding", "hidden", "output"}   # weight matrices, no biases


def test_a_resumed_run_drops_the_steps_its_checkpoint_never_saw(names: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert train(names, out, 20) == 0
    with (out / "metrics.jsonl").open("a") as log:   # as if a killed run got past its save
        log.write('{"step":21,"loss":9.0}\n{"step":22,"loss":9.0}\n{"step":23,"lo')
    assert train(names, out, 30, "--resume") == 0
    records = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in records] == list(range(1, 31))
    history = json.loads((current(out) / "state.json").read_text())["history"]
    assert [r["loss"] for r in records] == history


def test_plot_draws_the_run(names: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert train(names, out, 20, "--diagnostics-every", "5") == 0
    assert main(["plot", "--run", str(out), "--out", str(tmp_path / "run.svg")]) == 0
    svg = (tmp_path / "run.svg").read_text()
    for text in ("training loss", "validation loss", "gradient norm per layer",
                 "update-to-weight ratio per layer", "activation saturation", "hidden"):
        assert text in svg, text
    assert main(["plot", "--run", str(tmp_path / "nothing")]) == 1
    assert "no metrics file" in capsys.readouterr().err


def test_non_finite_numbers_are_written_as_null_and_a_cut_line_is_skipped(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path)
    log.write({"step": 1, "loss": float("nan"), "lr": float("inf")})
    log.close()
    with (tmp_path / "metrics.jsonl").open("a") as file:
        file.write('{"step": 2, "lo')
    assert read_metrics(tmp_path / "metrics.jsonl") == [{"step": 1, "loss": None, "lr": None}]


def test_the_update_ratio_is_that_of_the_real_update() -> None:
    """A hand-made SGD step on one Linear layer: log10(std ΔW / std W) = log10(lr·std g / std W)."""
    from autograd import Linear, Tensor

    layer = Linear(4, 3, rng=np.random.default_rng(0))
    x = Tensor(np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32))
    probe = Probe()
    loss = (layer(x).tanh() ** 2).mean()
    probe.after_forward(loss)
    loss.backward()
    probe.before_update(layer)
    expected = np.log10(0.1 * np.std(layer.weight.grad) / np.std(layer.weight.data))
    layer.weight.data -= 0.1 * layer.weight.grad
    record = probe.after_update(layer)
    assert record["layers"]["weight"]["update_ratio"] == pytest.approx(expected, abs=1e-5)
    assert record["layers"]["weight"]["grad_norm"] == pytest.approx(
        float(np.linalg.norm(layer.weight.grad)), rel=1e-6)
    tanh = record["activations"]["model tanh"]
    assert sum(tanh["histogram"]["counts"]) == 15 and sum(tanh["grad_histogram"]["counts"]) == 15
    assert histogram(np.array([0.0, 1.0, 1.0]), bins=2)["counts"] == [1, 2]


def test_a_metrics_file_that_is_not_one_and_one_with_no_steps(tmp_path: Path) -> None:
    from models.run_plot import plot_run

    bad = tmp_path / "metrics.jsonl"
    bad.write_text('{"step": 1, "loss": 2.0}\n{"loss": 3.0}\n')
    with pytest.raises(ValueError, match=r"metrics.jsonl, line 2: not a metrics record"):
        read_metrics(bad)
    with pytest.raises(ValueError, match="plot: the metrics file holds no steps yet"):
        plot_run([])
