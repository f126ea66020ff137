"""`OUT/metrics.jsonl`: what a training run measured, one JSON object per step.

Every line has `step` and `loss` (the training loss the trainer computed at that step) and `lr`;
a step that was validated adds `val_loss`, one whose diagnostics were recorded adds `layers`,
`activations` and the rest (see `models.diagnostics`), and `samples` when text was sampled.
Each line is written and flushed as the step ends, so a reader (the live view, `backproplab
plot`) sees the run as it goes. A resumed run first drops the lines after its checkpoint's step
— steps the killed run took but never saved, which the resumed run takes again — rewriting the
file atomically, so the log always tells one run's story.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from autograd.plumbing.atomic import write_atomically
from models.observer import TrainingObserver

if TYPE_CHECKING:
    from models.diagnostics import Diagnostics
    from models.train import Trainer

FILE = "metrics.jsonl"


def step_record(trainer: Trainer, loss: float, diagnostics: Diagnostics | None = None
                ) -> tuple[dict[str, Any], str | None]:
    """The record of the step `trainer` just took — step, loss, lr and its diagnostics, if
    `diagnostics` recorded that step — and apart from it the Graphviz source of the step's
    graph, if one was drawn (for the live page, not the log)."""
    record = {"step": trainer.step, "loss": loss, "lr": trainer.optimizer.lr,
              **((diagnostics.record if diagnostics is not None else None) or {})}
    return record, record.pop("graph_source", None)


class MetricsObserver(TrainingObserver):
    """A trainer's observer that writes each step's record to a `MetricsLog`, once the step's
    validation (if any) is known; it reads `diagnostics`, which comes before it among the
    trainer's observers."""

    def __init__(self, log: MetricsLog, diagnostics: Diagnostics | None = None) -> None:
        self.log, self.diagnostics = log, diagnostics
        self._pending: dict[str, Any] | None = None

    def after_step(self, trainer: Trainer, loss: float, tokens_per_second: float) -> None:
        self.flush()
        self._pending, _ = step_record(trainer, loss, self.diagnostics)

    def after_validation(self, trainer: Trainer, val_loss: float) -> None:
        if self._pending is not None:
            self._pending["val_loss"] = val_loss
        self.flush()   # the log never runs ahead of the checkpoint by more than a step

    def flush(self) -> None:
        if self._pending is not None:
            self.log.write(self._pending)
            self._pending = None

    def close(self) -> None:
        self.flush()
        self.log.close()


class MetricsLog:
    """Appends one line per step to `folder/metrics.jsonl`."""

    def __init__(self, folder: str | Path, resume_at: int | None = None) -> None:
        self.path = Path(folder) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_at is None:
            write_atomically(self.path, "")
        elif self.path.exists():   # keep what the checkpoint covers, drop what it does not
            kept = [line for line in read_metrics(self.path) if line["step"] <= resume_at]
            write_atomically(self.path, "".join(_line(record) for record in kept))
        self._file: IO[str] = self.path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        try:
            self._file.write(_line(record))
            self._file.flush()
        except OSError as error:   # a full disk: name the file (a write's error names none)
            raise OSError(error.errno, error.strerror, str(self.path)) from None

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as error:
            raise OSError(error.errno, error.strerror, str(self.path)) from None


def _line(record: dict[str, Any]) -> str:
    return encode(record) + "\n"


def encode(record: dict[str, Any]) -> str:
    """One-line JSON, NaN and ±inf as null (tried as it is first: the walk costs more)."""
    try:
        return json.dumps(record, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(finite(record), separators=(",", ":"))


def finite(value: Any) -> Any:
    """JSON has no NaN or Infinity: such numbers are written as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The records of a metrics file, in order (a last line still being written is skipped)."""
    records = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue   # a line cut short by a kill; the lines before it stand
        if not isinstance(record, dict) or not isinstance(record.get("step"), int):
            raise ValueError(f"{path}, line {number}: not a metrics record (needs an integer "
                             "\"step\")")
        records.append(record)
    return records
