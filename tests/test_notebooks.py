"""The notebooks under examples/notebooks run top to bottom in a real Jupyter kernel (the lecture
notebooks on their small settings, BACKPROPLAB_QUICK=1), and show what they claim to."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "examples" / "notebooks").glob("*.ipynb"))


@cache   # each notebook runs once per session; the tests below read its outputs
def run(path: Path) -> nbformat.NotebookNode:
    os.environ["BACKPROPLAB_QUICK"] = "1"   # the lecture notebooks' small settings (the kernel
    notebook = nbformat.read(path, as_version=4)   # inherits it); full size by hand
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parents[2])}}).execute()
    return notebook


def outputs(cell: nbformat.NotebookNode, mime: str) -> list[str]:
    return [o["data"][mime] for o in cell.get("outputs", []) if mime in o.get("data", {})]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path) -> None:
    notebook = run(path)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []


def test_the_explorer_notebook_shows_the_explorer_a_fitted_graph_and_a_figure() -> None:
    [path] = [p for p in NOTEBOOKS if p.stem == "explorer"]
    cells = [c for c in run(path).cells if c.cell_type == "code"]
    [frame] = outputs(cells[0], "text/html")
    assert frame.startswith("<iframe srcdoc=") and "one training step of a tiny Transformer" in frame
    [drawing] = outputs(cells[2], "text/html")
    assert '<svg style="width: 100%; height: auto"' in drawing
    assert outputs(cells[3], "image/png")   # the figure, inline


def test_the_lecture_notebooks_are_six_and_show_the_live_panel_and_their_figures() -> None:
    lectures = [p for p in NOTEBOOKS if p.stem[:2].isdigit()]
    assert len(lectures) >= 6
    [mlp] = [p for p in lectures if "bengio" in p.stem]
    cells = [c for c in run(mlp).cells if c.cell_type == "code"]
    panels = [h for c in cells for h in outputs(c, "text/html") if h.startswith('<div class="bpl-static">')]
    assert panels, "the live panel is not displayed"   # as its last view (see below)
    printed = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))
    assert "validation loss" in printed and "perplexity" in printed
    engine_vs_hand = float(printed.split("max |engine − δ·o|:")[1].split()[0])
    assert engine_vs_hand < 1e-5   # the output layer's gradient is δ·o, summed over the batch
    assert outputs(cells[-1], "image/png")   # the embedding figure, inline


@pytest.mark.parametrize("stem, model", [("03-bengio-mlp", "mlp"), ("05-rnn-bptt", "rnn")])
def test_the_saved_live_panel_is_its_last_view(stem: str, model: str) -> None:
    """When `train` returns, the panel's output becomes its last view as HTML (the notebook then
    shows it reopened without a kernel): the run's step count, the engine's last loss."""
    [path] = [p for p in NOTEBOOKS if p.stem == stem]
    cells = [c for c in run(path).cells if c.cell_type == "code"]
    [shown] = [c for c in cells if c.source.rstrip().endswith("panel")]
    assert not outputs(shown, "application/vnd.jupyter.widget-view+json")
    [view] = outputs(shown, "text/html")
    [line] = outputs(shown, "text/plain")
    steps = 40 if model == "mlp" else 30   # the notebooks' QUICK settings
    assert line.startswith(f"{model}, ") and f"step {steps} of {steps}" in line
    assert view.startswith(f'<div class="bpl-static"><p>{line}</p></div>') and "mountPanel" in view
