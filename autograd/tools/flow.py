"""Watch gradients flow: a per-parameter table and a plot of gradient norm per layer.

`grad_flow(model)` reads the gradients a backward pass left in the parameters. Vanishing shows
as norms (and gradient/weight ratios) orders of magnitude below the others, exploding as the
opposite; a healthy update ratio lr·‖g‖/‖w‖ is around 1e-3.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograd.core.value import data_of
from autograd.nn.module import Module
from autograd.plumbing.atomic import write_atomically


@dataclass
class ParameterFlow:
    name: str
    shape: tuple[int, ...]
    grad_norm: float
    ratio: float        # ‖g‖ / ‖w‖
    max_abs: float


def grad_flow(model: Module) -> list[ParameterFlow]:
    """One row per parameter that has a gradient: its norm, gradient/weight ratio and max |g|."""
    rows = []
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = np.asarray(data_of(p.grad), dtype=np.float64)
        norm = float(np.linalg.norm(g))
        weight = float(np.linalg.norm(p.data.astype(np.float64)))
        rows.append(ParameterFlow(name, p.shape, norm, norm / weight if weight else float("inf"),
                                  float(np.max(np.abs(g))) if g.size else 0.0))
    return rows


def format_table(rows: list[ParameterFlow]) -> str:
    width = max([len(r.name) for r in rows] + [9])
    lines = [f"{'parameter':<{width}}  {'shape':<14}{'‖grad‖':>11}{'‖g‖/‖w‖':>11}{'max |g|':>11}"]
    for r in rows:
        lines.append(f"{r.name:<{width}}  {r.shape!s:<14}{r.grad_norm:>11.3e}{r.ratio:>11.3e}"
                     f"{r.max_abs:>11.3e}")
    return "\n".join(lines)


def figure_bytes(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


def new_figure(**options: Any) -> Any:
    """A matplotlib figure made without pyplot, so no backend is chosen or switched (a notebook's
    `plt.show()` keeps working); returned by a plot function, it displays inline in Jupyter."""
    from matplotlib.figure import Figure

    class InlineFigure(Figure):
        def _repr_png_(self) -> bytes:   # how Jupyter shows an object as a picture
            return figure_bytes(self, "png")

    return InlineFigure(**options)


def save_figure(figure: Any, path: str | Path) -> Path:
    """Save a matplotlib figure (SVG or PNG, by the file's suffix) atomically."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "svg"
    if fmt not in ("svg", "png"):
        raise ValueError(f"plots are written as .svg or .png, not {path.suffix!r}")
    return write_atomically(path, figure_bytes(figure, fmt))


def plot_grad_flow(rows: list[ParameterFlow] | dict[str, list[float]],
                   path: str | Path | None = None, title: str = "gradient norm per layer") -> Any:
    """Bar chart of ‖grad‖ per parameter (log scale) from `grad_flow` rows, or lines of the
    norm of each parameter over training steps from a {name: [norm per step]} history.

    Returns the matplotlib figure (shown inline in Jupyter); saves it to `path` if given."""
    figure = new_figure(figsize=(9, 4.5))
    axes = figure.subplots()
    if isinstance(rows, dict):
        for name, norms in rows.items():
            axes.plot(np.arange(1, len(norms) + 1), norms, label=name, linewidth=1)
        axes.set_xlabel("training step")
        axes.legend(fontsize=6, ncol=2)
    else:
        axes.bar(range(len(rows)), [max(r.grad_norm, 1e-30) for r in rows], color="#4c72b0")
        axes.set_xticks(range(len(rows)), [r.name for r in rows], rotation=75, fontsize=7)
    axes.set_yscale("log")
    axes.set_ylabel("‖∂L/∂w‖")
    axes.set_title(title)
    if path is not None:
        save_figure(figure, path)
    return figure
