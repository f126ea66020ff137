"""`backproplab plot --run OUT`: a run's curves and diagnostics, redrawn from `OUT/metrics.jsonl`.

Four panels, each layer in the same colour throughout, legends beside the axes (never over the
data): the training loss (and validation loss); each layer's gradient norm (log scale); each
layer's update-to-weight ratio log10(std ΔW / std W) with the healthy band around −3 shaded;
and each activation's saturation over training. The diagnostics panels are left out when the run
recorded none (`--diagnostics-every N`, or `--live`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from autograd.tools.flow import new_figure, save_figure
from models.metrics import FILE, read_metrics


def _series(records: list[dict[str, Any]], group: str, field: str) -> dict[str, tuple[list, list]]:
    """{name: (steps, values)} of records[group][name][field], skipping missing values."""
    series: dict[str, tuple[list, list]] = {}
    for record in records:
        for name, entry in (record.get(group) or {}).items():
            value = entry.get(field)
            if value is not None:
                steps, values = series.setdefault(name, ([], []))
                steps.append(record["step"])
                values.append(value)
    return series


def plot_run(records: list[dict[str, Any]], title: str = "") -> Any:
    """The figure of a run's metrics records (see the module's docstring)."""
    if not records:
        raise ValueError("plot: the metrics file holds no steps yet")
    norms = _series(records, "layers", "grad_norm")
    ratios = _series(records, "layers", "update_ratio")
    saturation = _series(records, "activations", "saturation")
    panels = 1 + (len(norms) > 0) + (len(ratios) > 0) + (len(saturation) > 0)
    figure = new_figure(figsize=(11, 2.9 * panels), layout="constrained")
    axes = np.atleast_1d(figure.subplots(panels, 1, sharex=True))
    colours = _colours(sorted(set(norms) | set(ratios)))
    _losses(axes[0], records)
    rest = iter(axes[1:])
    if norms:
        ax = next(rest)
        for name, (steps, values) in norms.items():
            ax.plot(steps, np.maximum(values, 1e-12), label=name, color=colours[name], lw=1.2)
        ax.set_yscale("log")
        ax.set_ylabel("‖∂L/∂W‖")
        ax.set_title("gradient norm per layer", loc="left", fontsize=11)
        _legend(ax)
    if ratios:
        ax = next(rest)
        ax.axhspan(-3.5, -2.5, color="#2ca02c", alpha=0.12, label="healthy (≈ −3)")
        for name, (steps, values) in ratios.items():
            ax.plot(steps, values, label=name, color=colours[name], lw=1.2)
        ax.set_ylabel("log10(std ΔW / std W)")
        ax.set_title("update-to-weight ratio per layer", loc="left", fontsize=11)
        _legend(ax)
    if saturation:
        ax = next(rest)
        for name, (steps, values) in saturation.items():
            ax.plot(steps, 100 * np.asarray(values), label=name, lw=1.2)
        ax.set_ylabel("saturated units (%)")
        ax.set_title("activation saturation (derivative ≈ 0)", loc="left", fontsize=11)
        _legend(ax)
    axes[-1].set_xlabel("training step")
    if title:
        figure.suptitle(title, fontsize=12)
    return figure


def _losses(ax: Any, records: list[dict[str, Any]]) -> None:
    steps = [r["step"] for r in records if r.get("loss") is not None]
    ax.plot(steps, [r["loss"] for r in records if r.get("loss") is not None], lw=0.8,
            color="#1f77b4", label="training loss")
    validated = [r for r in records if r.get("val_loss") is not None]
    if validated:
        ax.plot([r["step"] for r in validated], [r["val_loss"] for r in validated], "o-",
                color="#d62728", lw=1.5, ms=4, label="validation loss")
    ax.set_ylabel("loss (nats / token)")
    ax.set_title("loss", loc="left", fontsize=11)
    _legend(ax)


def _legend(ax: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9,
              frameon=False, ncol=1 if len(labels) <= 12 else 2)
    ax.grid(alpha=0.25)


def _colours(names: list[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    palette = colormaps["tab20"] if len(names) > 10 else colormaps["tab10"]
    return {name: palette(i % palette.N) for i, name in enumerate(names)}


def plot_run_folder(folder: str | Path, out: str | Path | None = None) -> Path:
    """Read `folder/metrics.jsonl` and write its plot (default `folder/metrics.svg`)."""
    path = Path(folder) / FILE
    if not path.exists():
        raise FileNotFoundError(2, "no metrics file (train a run with this --out first)", str(path))
    figure = plot_run(read_metrics(path), title=str(folder))
    return save_figure(figure, out or Path(folder) / "metrics.svg")
