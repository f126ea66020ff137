"""The notebooks under examples/notebooks run top to bottom in a real Jupyter kernel."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "examples" / "notebooks").glob("*.ipynb"))


def run(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
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
