"""The exercises: handed out, untouched, they score 0 with a "not implemented" line each; solved,
full marks; every typical wrong answer of `exercise_mistakes` is caught and named, and for the
composed exercises the feedback page marks the right first gate (in Chromium)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from autograd.exercises.catalogue import EXERCISES, exercise, reference_module
from autograd.exercises.checker import Report
from autograd.exercises.items import Outcome
from autograd.exercises.loader import attach_gates, load_file
from autograd.exercises.page import write_feedback
from autograd.exercises.report import table
from models.cli import main
from tests.exercise_mistakes import MISTAKES, Mistake

QUICK = ["--examples", "3"]   # the CLI's knob: few hypothesis examples keep these tests fast
ITEMS = [(e.name, i.title, i.points) for e in EXERCISES for i in e.items]
TOTAL = sum(points for _, _, points in ITEMS)


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("solved")
    assert main(["exercises", "solve", str(folder)]) == 0
    return folder


def rows(printed: str) -> list[str]:
    lines = printed.splitlines()
    assert lines[0].split() == ["exercise", "item", "result", "points"]
    return lines[1:-1]


def test_start_then_check_scores_zero_with_a_not_implemented_line_for_every_item(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "hw"
    assert main(["exercises", "start", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.md", *(f"{e.name}.py" for e in EXERCISES)])
    capsys.readouterr()
    assert main(["exercises", "check", str(folder), *QUICK, "--json", str(tmp_path / "r.json")]) == 1
    printed = rows(capsys.readouterr().out)
    assert len(printed) == len(ITEMS) >= 20
    for line, (name, item, points) in zip(printed, ITEMS):
        assert line.startswith(name) and f" {item} " in line, line
        assert f"FAIL    0/{points:g}" in line and line.endswith(
            "not implemented (the skeleton still raises NotImplementedError)"), line
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["score"] == 0 and [t["score"] for t in result["tests"]] == [0] * len(ITEMS)


def test_solve_then_check_scores_full_marks_and_the_json_adds_up(
        solved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["exercises", "check", str(solved), *QUICK, "--json", str(tmp_path / "r.json")]) == 0
    printed = capsys.readouterr().out
    assert all(" pass " in line for line in rows(printed))
    assert f"total {TOTAL:g}/{TOTAL:g} ({len(ITEMS)} of {len(ITEMS)} passed)" in printed
    result = json.loads((tmp_path / "r.json").read_text())
    tests = result["tests"]
    assert [(t["name"], t["max_score"]) for t in tests] == [(f"{e}: {i}", p) for e, i, p in ITEMS]
    assert {k for t in tests for k in t} >= {"name", "score", "max_score", "output", "status"}
    assert result["score"] == sum(t["score"] for t in tests) == sum(t["max_score"] for t in tests) == TOTAL


def test_a_partly_right_folder_gets_the_points_of_its_right_items_in_the_json(
        solved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "partly"
    shutil.copytree(solved, folder)
    (folder / "softmax.py").write_text(MISTAKES[10].source())   # the Jacobian's diagonal only
    assert main(["exercises", "check", str(folder), "softmax", "embedding", *QUICK,
                 "--json", str(tmp_path / "r.json")]) == 1
    result = json.loads((tmp_path / "r.json").read_text())
    scores = {t["name"]: (t["score"], t["status"]) for t in result["tests"]}
    assert scores == {"softmax: Softmax": (0, "failed"), "softmax: SoftmaxCrossEntropy": (3, "passed"),
                      "embedding: Embedding": (3, "passed")}
    assert result["score"] == 6


def test_start_refuses_to_overwrite_student_work(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    (folder / "rnn.py").write_text("my work")
    for action in ("start", "solve"):
        assert main(["exercises", action, str(folder)]) == 1
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "rnn.py already exists; refusing to overwrite" in error
    assert [p.name for p in folder.iterdir()] == ["rnn.py"] and (folder / "rnn.py").read_text() == "my work"


def test_bad_folders_and_names_get_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    cases = [(["check", str(tmp_path / "missing")], "is not a folder"),
             (["check", str(tmp_path), "nope"], "unknown exercise 'nope'"),
             (["check", str(tmp_path), "--examples", "0"], "--examples must be at least 1"),
             (["check", str(tmp_path), "--time-limit", "0"], "--time-limit must be positive"),
             (["start", str(tmp_path / "file")], "exists and is not a folder")]
    for argv, words in cases:
        assert main(["exercises", *argv]) == 1
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and words in error, error


def test_a_file_that_does_not_load_and_a_gate_that_raises_fail_with_one_line(
        solved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(solved, folder)
    (folder / "embedding.py").write_text("def oops(:\n")
    (folder / "layer_norm.py").write_text(
        "from autograd.exercises.solutions.layer_norm import LayerNorm as Right\n"
        "class LayerNorm(Right):\n    @staticmethod\n    def backward(ctx, grad):\n"
        "        return {}['missing']\n")
    (folder / "tensor_gates.py").write_text(
        "from autograd.exercises.solutions.tensor_gates import *  # noqa\n"
        "class MatMul(MatMul):\n    @staticmethod\n    def backward(ctx, grad):\n"
        "        return 'dA', 'dB'\n"
        "class Sum(Sum):\n    @staticmethod\n    def forward(ctx, x, axis):\n"
        "        return x.sum(axis=axis, keepdims=True)\n")
    (folder / "attention.py").write_text(
        "from autograd.exercises.solutions.attention import *  # noqa\n"
        "class MaskedSoftmax(MaskedSoftmax):\n    @staticmethod\n    def backward(ctx, grad):\n"
        "        return [[1, 2]], None, None\n")
    assert main(["exercises", "check", str(folder), "embedding", "layer_norm", "tensor_gates",
                 "attention", *QUICK]) == 1
    matmul, _, total, _, _, embedding, layer_norm, softmax, head = rows(capsys.readouterr().out)
    assert "embedding.py does not load: SyntaxError" in embedding
    assert "backward raised KeyError: 'missing'" in layer_norm
    assert "MatMul" in matmul and "your gate's results cannot be checked: ValueError" in matmul
    assert "Sum" in total and "forward: has shape (1,), expected ()" in total
    assert "MaskedSoftmax" in softmax and "FAIL" in softmax
    assert "attention head" in head and "backward raised ValueError: MaskedSoftmax.backward: a " \
        "gradient of shape (1, 2) cannot be summed to the input's shape (4, 4)" in head


def grade(folder: Path, mistake: Mistake) -> Outcome:
    """`check`'s grading of the one item the mistake is about."""
    [item] = [i for i in exercise(mistake.exercise).items if i.title == mistake.item]
    student = attach_gates(load_file(folder / f"{mistake.exercise}.py"), folder)
    reference = attach_gates(reference_module(mistake.exercise), None)
    return item.grade(mistake.exercise, student, reference, 6)


def with_mistake(solved: Path, tmp_path: Path, mistake: Mistake) -> Path:
    folder = tmp_path / "student"
    shutil.copytree(solved, folder)
    (folder / f"{mistake.file}.py").write_text(mistake.source())
    return folder


def test_the_catalogue_of_mistakes_has_at_least_two_per_exercise_and_the_named_ones() -> None:
    per_exercise = {e.name: sum(m.exercise == e.name for m in MISTAKES) for e in EXERCISES}
    assert min(per_exercise.values()) >= 2, per_exercise
    named = " ".join(m.says for m in MISTAKES)
    for words in ("flipped sign", "factor of 2", "transposed product", "missing sum over a broadcast "
                  "axis", "missing sum at a branch", "diagonal only", "BPTT without the recurrent "
                  "term", "layer norm without its mean terms"):
        assert words in named


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.label for m in MISTAKES])
def test_check_catches_the_mistake_and_names_it(solved: Path, tmp_path: Path,
                                                mistake: Mistake) -> None:
    outcome = grade(with_mistake(solved, tmp_path, mistake), mistake)
    assert not outcome.passed and outcome.points == 0
    line = table(Report([outcome], 0.0)).splitlines()[1]
    assert line.split("  FAIL ")[0].split() == [mistake.exercise, *mistake.item.split()], line
    assert "\n" not in outcome.message and mistake.says in outcome.message, outcome.message
    if mistake.first_gate:
        steps = outcome.page.gates
        assert steps[outcome.page.first].startswith(mistake.first_gate + " → ")
        assert f"first wrong gate: step {outcome.page.first + 1} of {len(steps)}, {mistake.first_gate}" \
            in outcome.message


PAGES = {m.exercise: m for m in reversed(MISTAKES) if m.first_gate}   # one per composed exercise


def test_the_feedback_pages_mark_the_first_wrong_gate_in_chromium(solved: Path, tmp_path: Path,
                                                                   browser) -> None:
    from selenium.webdriver.common.by import By

    assert sorted(PAGES) == ["attention", "mlp_lm", "neuron", "rnn"]
    for name, mistake in PAGES.items():
        folder = tmp_path / name
        outcome = grade(with_mistake(solved, folder, mistake), mistake)
        first = outcome.page.first
        page = write_feedback(folder / "feedback", name, outcome.page)
        browser.get(page.as_uri())
        [wrong] = browser.find_elements(By.CSS_SELECTOR, "li.wrong")
        assert wrong.text.startswith(f"{first + 1}. {mistake.first_gate} →")
        assert len(browser.find_elements(By.CSS_SELECTOR, "li.ok")) == first
        cells = browser.find_elements(By.CSS_SELECTOR, "td.wrong")
        assert cells and all("yours" in c.get_attribute("title") for c in cells)
        for frame in browser.find_elements(By.TAG_NAME, "iframe"):
            browser.switch_to.frame(frame)
            deadline = time.monotonic() + 10
            while not browser.find_elements(By.CSS_SELECTOR, "g.node.bpl-differs") \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            [marked] = browser.find_elements(By.CSS_SELECTOR, "g.node.bpl-differs")
            assert mistake.first_gate in marked.text
            assert len(browser.find_elements(By.CSS_SELECTOR, "g.node.bpl-agrees")) == first
            assert browser.find_element(By.ID, "counter").text.startswith(f"step {first + 1} of")
            browser.switch_to.default_content()
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []


def test_check_in_a_notebook_cell_grades_one_gate_and_shows_the_marked_page() -> None:
    import numpy as np

    from autograd import Function
    from autograd.exercises.notebook import check

    class MyTanh(Function):
        @staticmethod
        def forward(ctx, x):
            z = np.tanh(x)
            ctx.save_for_backward(z)
            return z

        @staticmethod
        def backward(ctx, grad):
            (z,) = ctx.saved_tensors
            return 2 * grad * (1 - z * z)

    result = check("tanh", MyTanh, examples=3)
    assert not result.passed and result.report.outcomes[0].item == "Tanh"
    assert "factor of 2: your gradient is twice the right one" in repr(result)
    comparison = result.feedback
    assert comparison.gates[comparison.first].startswith("Tanh → z")
    import html

    shown = result._repr_html_()
    assert "<iframe srcdoc=" in shown
    page = html.unescape(shown.split('srcdoc="')[1].split('"')[0])
    assert '<li class="wrong" title="first difference">2. Tanh → z ✗</li>' in page
    with pytest.raises(KeyError, match="no exercise or gate called 'tangent'"):
        check("tangent", MyTanh)


def test_an_endless_loop_fails_its_item_within_the_time_limit(
        solved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "looping"
    shutil.copytree(solved, folder)
    (folder / "embedding.py").write_text(
        "from autograd.exercises.solutions.embedding import Embedding as Right\n"
        "class Embedding(Right):\n    @staticmethod\n    def forward(ctx, weight, indices):\n"
        "        while True:\n            try:\n                pass\n"
        "            except Exception:\n                pass\n")
    (folder / "layer_norm.py").write_text("while True:\n    pass\n")
    import signal

    handler = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    assert main(["exercises", "check", str(folder), "embedding", "layer_norm", *QUICK,
                 "--time-limit", "1"]) == 1
    assert time.monotonic() - start < 30
    embedding, layer_norm = rows(capsys.readouterr().out)
    assert "timed out after 1 s (an endless loop?)" in embedding
    assert "layer_norm.py did not finish loading in 1 s" in layer_norm
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)   # the limit is off again
    assert signal.getsignal(signal.SIGALRM) is handler
