"""`backproplab compare`: the lectures' progression of language models side by side, judged as
the lectures judge them, by held-out perplexity.

Each model is trained on the same split of the same text with the same seed (so models that read
the same window draw the same batches), for the same number of steps with its own training
defaults (those of `backproplab train`); the count models are counted instead. Then every split
is evaluated in full: loss (nats per token), perplexity e^loss and bits per token loss / ln 2,
and a few samples are drawn. The table goes to OUT/compare.md, the validation curves to
OUT/compare.svg (both written atomically).

A model is named as `train --model` names it; `ngram-N` is the interpolated Kneser–Ney n-gram of
order N and `ngram-N-add1` the add-1 (Laplace) one.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.base import ModelConfig
from models.data import Corpus
from models.observer import TrainingObserver
from models.registry import DEFAULTS, MODELS, TRAINING
from models.train import DataSettings, Trainer, TrainSettings, evaluate

DEFAULT_MODELS = ["ngram-2-add1", "ngram-5", "bigram", "mlp", "cnn", "rnn", "lstm", "gru",
                  "transformer"]
NGRAM = re.compile(r"ngram-([1-9])(-add1)?$")


@dataclass
class Row:
    name: str
    size: int                        # parameters, or stored counts for an n-gram
    seconds: float
    losses: dict[str, float]         # split → nats per token
    samples: list[str]
    curve: list[list[float]] = field(default_factory=list)   # [step, validation loss]


def check_names(names: list[str]) -> None:
    """Refuse an unknown model name in one line, before anything is trained."""
    for name in names:
        if name not in MODELS and not NGRAM.match(name):
            raise ValueError(f"compare: unknown model {name!r}: choose from "
                             f"{', '.join(MODELS)}, ngram-N or ngram-N-add1 (N = 1 … 9)")


def training(name: str) -> dict[str, Any]:
    """The model's training defaults (optimizer, lr, weight decay), those of `train`."""
    return TRAINING["ngram" if NGRAM.match(name) else name]


def model_config(name: str, vocab_size: int, seed: int) -> ModelConfig:
    found = NGRAM.match(name)
    if found:
        order = int(found.group(1))
        return ModelConfig(model="ngram", vocab_size=vocab_size, block_size=order - 1, n_embd=1,
                           smoothing="add-k" if found.group(2) else "kneser-ney", seed=seed)
    return ModelConfig(model=name, vocab_size=vocab_size, seed=seed, **DEFAULTS[name])


class _Progress(TrainingObserver):
    """Tells `progress(trainer)` after each step."""

    def __init__(self, progress: Callable[[Trainer], None]) -> None:
        self.progress = progress

    def after_step(self, trainer: Trainer, loss: float, tokens_per_second: float) -> None:
        self.progress(trainer)


def train_one(name: str, data: DataSettings, corpus: Corpus, how: dict[str, Any], steps: int,
              eval_every: int, seed: int, progress: Callable[[Trainer], None] | None = None) -> Row:
    """Train (or count) one model and measure it on every split that has examples."""
    config = model_config(name, len(corpus.vocab), seed)
    settings = TrainSettings(steps=steps, eval_every=eval_every, seed=seed, **how)
    trainer = Trainer(config, settings, data, corpus)
    start = time.perf_counter()
    with trainer.watched_by(*([_Progress(progress)] if progress else [])):
        trainer.run(steps)
    seconds = time.perf_counter() - start
    model = trainer.model
    losses = {}
    for split in ("train", "val", "test"):
        if sum(len(part) for part in corpus.splits[split]):
            losses[split] = evaluate(model, *corpus.examples(split, config.block_size, model.window))
    boundary = corpus.vocab.boundary
    prompt = [boundary] if boundary is not None else [0]
    samples = [corpus.vocab.decode(model.generate(prompt, 30, seed=i, stop=boundary))
               for i in range(4)]
    size = model.stored_counts() if hasattr(model, "stored_counts") else model.num_parameters()
    return Row(name, size, seconds, losses, samples, trainer.validation)


def table(rows: list[Row]) -> str:
    """The markdown table: one row per model."""
    head = ("| model | parameters | training time | train loss | val loss | test loss "
            "| test perplexity | bits per token | samples |\n|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for row in rows:
        loss = row.losses.get("test", row.losses.get("val", row.losses["train"]))
        shown = {s: f"{row.losses[s]:.4f}" if s in row.losses else "–" for s in ("train", "val", "test")}
        samples = ", ".join(s.replace("|", "\\|") for s in row.samples)
        lines.append(f"| {row.name} | {row.size:,} | {row.seconds:.1f} s | {shown['train']} "
                     f"| {shown['val']} | {shown['test']} | {_perplexity(loss)} "
                     f"| {loss / math.log(2):.3f} | {samples} |")
    return "\n".join(lines) + "\n"


def _perplexity(loss: float) -> str:
    return f"{math.exp(loss):.2f}" if loss < 700 else "inf"


def plot(rows: list[Row], path: str | Path | None = None) -> Any:
    """Every model's validation loss over the training steps (a count model: one point). Returns
    the matplotlib figure (inline in Jupyter); saves it to `path` if given."""
    from autograd.tools.flow import new_figure, save_figure

    figure = new_figure(figsize=(9, 5))
    axes = figure.subplots()
    styles = ["-", "--", ":", "-."]
    for index, row in enumerate(rows):
        if not row.curve:
            continue
        steps, losses = zip(*row.curve)
        axes.plot(steps, losses, linestyle=styles[index // 10 % 4], marker="o" if len(steps) == 1
                  else None, label=row.name)
    axes.set(xlabel="training step", ylabel="validation loss (nats per token)",
             title="validation loss of each model")
    axes.legend(fontsize=8, ncol=2)
    if path is not None:
        save_figure(figure, path)
    return figure
