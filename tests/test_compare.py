"""`backproplab compare` on small settings: one row per model in the order asked, every column
filled, the numbers those of the models themselves, the figure written, bad names refused."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from models.base import ModelConfig
from models.cli import main
from models.ngram import NGramLanguageModel
from models.train import DataSettings, evaluate

NAMES = "anna\nbella\nchloe\ndaisy\nemily\nfiona\ngrace\nhazel\niris\njulia\nkate\nlily\n" * 4
COLUMNS = ["model", "parameters", "training time", "train loss", "val loss", "test loss",
           "test perplexity", "bits per token", "samples"]


def test_compare_writes_one_row_per_model_with_true_numbers(tmp_path: Path, capsys) -> None:
    data = tmp_path / "names.txt"
    data.write_text(NAMES)
    out = tmp_path / "cmp"
    models = ["ngram-3-add1", "bigram", "gru"]
    assert main(["compare", "--data", str(data), "--models", *models, "--steps", "12",
                 "--eval-every", "6", "--out", str(out), "--quiet"]) == 0
    lines = (out / "compare.md").read_text().splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == COLUMNS
    rows = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]
    assert [row[0] for row in rows] == models and all(len(row) == len(COLUMNS) for row in rows)
    for row in rows:
        test = float(row[5])
        assert float(row[6]) == pytest.approx(math.exp(test), abs=0.01)
        assert float(row[7]) == pytest.approx(test / math.log(2), abs=1e-3)
    # the n-gram's test loss, counted again here from the same split
    corpus = DataSettings(str(data)).load()
    model = NGramLanguageModel(ModelConfig("ngram", len(corpus.vocab), 2, 1, smoothing="add-k"))
    model.fit(*corpus.examples("train", 2, window=True))
    assert float(rows[0][5]) == pytest.approx(evaluate(model, *corpus.examples("test", 2, True)),
                                              abs=5e-5)
    assert rows[1][1] == f"{len(corpus.vocab) ** 2:,}"   # the bigram's V×V table
    assert (out / "compare.svg").read_text().count("<svg") == 1
    assert "written to" in capsys.readouterr().out


def test_compare_refuses_an_unknown_model_in_one_line(tmp_path: Path, capsys) -> None:
    assert main(["compare", "--models", "mlp", "bow", "--out", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown model 'bow'" in err[0]
    assert not (tmp_path / "c").exists()
