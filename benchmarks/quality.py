"""Train a language model to a reference figure: `python -m benchmarks.quality TASK --data PATH`.

Trains with the task's published configuration, evaluates the whole held-out split, prints one
JSON line (held-out loss, wall time) and leaves the checkpoint in --out, so that
`backproplab eval --checkpoint OUT --split SPLIT` can confirm the number. The result goes into
its own section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from benchmarks.results import update_section
from models.base import ModelConfig
from models.observer import TrainingObserver
from models.train import DataSettings, Trainer, TrainSettings, evaluate


@dataclass(frozen=True)
class Task:
    model: dict[str, Any]
    train: dict[str, Any]
    data: dict[str, Any]
    split: str                # the held-out split the reference reports
    reference: float | None   # the published figure to reach (≤), if there is one
    source: str
    default_data: str
    extra: dict[str, Any] = field(default_factory=dict)
    twin_margin: float | None = None   # the goal is also ≤ the PyTorch twin's loss + this


NAMES = {"level": "char", "shape": "lines", "split_seed": 42, "fractions": (0.8, 0.1, 0.1)}
MAKEMORE = {"optimizer": "adamw", "lr": 5e-4, "betas": (0.9, 0.99), "weight_decay": 0.01,
            "batch_size": 32, "steps": 5000, "eval_every": 1000}

TASKS: dict[str, Task] = {
    "names-mlp": Task(
        {"model": "mlp", "block_size": 3, "n_embd": 10, "n_hidden": 200},
        {"optimizer": "sgd", "lr": 0.1, "schedule": "step", "lr_drops": {100_000: 0.01},
         "batch_size": 32, "steps": 200_000, "weight_decay": 0.0, "eval_every": 20_000},
        NAMES, "val", 2.17, "makemore lecture (part 3): dev loss 2.170",
        "../shared/data/names.txt"),
    "names-cnn": Task(
        {"model": "cnn", "block_size": 8, "n_embd": 24, "n_hidden": 128},
        {"optimizer": "sgd", "lr": 0.1, "schedule": "step", "lr_drops": {150_000: 0.01},
         "batch_size": 32, "steps": 200_000, "weight_decay": 0.0, "eval_every": 20_000},
        NAMES, "val", 1.99, "makemore lecture (part 5, WaveNet): val loss 1.9937",
        "../shared/data/names.txt"),
    "names-rnn": Task(
        {"model": "rnn", "block_size": 16, "n_embd": 64, "n_hidden": 64}, MAKEMORE, NAMES,
        "test", 2.114, "makemore's own PyTorch RNN, 5000 steps, measured on this machine",
        "../shared/data/names.txt"),
    "names-lstm": Task(
        {"model": "lstm", "block_size": 16, "n_embd": 64, "n_hidden": 64}, MAKEMORE, NAMES,
        "test", None, "makemore has no LSTM: the goal is the PyTorch twin's loss + 0.005",
        "../shared/data/names.txt", twin_margin=0.005),
    "names-gru": Task(
        {"model": "gru", "block_size": 16, "n_embd": 64, "n_hidden": 64}, MAKEMORE, NAMES,
        "test", 2.0758, "makemore's own GRU, 5000 steps, on makemore's split (issue 22)",
        "../shared/data/names.txt", twin_margin=0.005),
    "names-bigram": Task(
        {"model": "bigram", "block_size": 1, "n_embd": 1},
        {"optimizer": "sgd", "lr": 10.0, "weight_decay": 0.0, "batch_size": 32, "steps": 5000,
         "eval_every": 1000}, NAMES, "test", None,
        "the neural bigram as `compare` trains it (SGD 10, batch 32): the goal is the PyTorch "
        "twin's loss + 0.005", "../shared/data/names.txt", twin_margin=0.005),
    "names-ngram-counts": Task(
        {"model": "ngram", "block_size": 1, "n_embd": 1, "smoothing": "add-k", "add_k": 1.0},
        {"steps": 1}, {**NAMES, "fractions": (1.0, 0.0, 0.0)}, "train", 2.4546,
        "makemore lecture 1: the add-1 counting bigram on all of names.txt, mean NLL 2.4546",
        "../shared/data/names.txt"),
    "names-transformer": Task(
        {"model": "transformer", "block_size": 16, "n_embd": 64, "n_layer": 4, "n_head": 4,
         "positions": "learned"}, MAKEMORE, NAMES, "test", 2.013,
        "makemore's own PyTorch Transformer, 5000 steps, measured on this machine",
        "../shared/data/names.txt"),
    "shakespeare-transformer": Task(
        {"model": "transformer", "block_size": 64, "n_embd": 128, "n_layer": 4, "n_head": 4,
         "positions": "learned"},
        {"optimizer": "adamw", "lr": 1e-3, "betas": (0.9, 0.99), "weight_decay": 0.1,
         "schedule": "cosine", "warmup": 100, "min_lr": 1e-4, "steps": 2000, "batch_size": 12,
         "grad_clip": 1.0, "eval_every": 500, "eval_limit": 200},
        {"level": "char", "shape": "stream", "split_seed": 0, "fractions": (0.9, 0.1, 0.0)},
        "val", 1.88, "nanoGPT's CPU configuration: val loss 1.88",
        "../shared/data/tinyshakespeare.txt"),
}


class _Report(TrainingObserver):
    """The loss every 10 s and each validation loss, on stderr."""

    def __init__(self, name: str) -> None:
        self.name, self.last = name, time.perf_counter()

    def after_step(self, trainer: Trainer, loss: float, tokens_per_second: float) -> None:
        if time.perf_counter() - self.last > 10:
            self.last = time.perf_counter()
            print(f"{self.name}: step {trainer.step}/{trainer.settings.steps}, loss {loss:.4f}",
                  file=sys.stderr)

    def after_validation(self, trainer: Trainer, val_loss: float) -> None:
        print(f"{self.name}: step {trainer.step}, val loss (sample) {val_loss:.4f}", file=sys.stderr)


def run_torch(name: str, data_path: str, seed: int) -> dict[str, Any]:
    """The same task trained by the PyTorch twin (same initial weights, same batches)."""
    from benchmarks.torch_reference import evaluate_reference, train_reference

    task = TASKS[name]
    data = DataSettings(path=data_path, **task.data)
    corpus = data.load()
    config = ModelConfig(vocab_size=len(corpus.vocab), seed=seed, **task.model)
    trainer = Trainer(config, TrainSettings(seed=seed, **task.train), data, corpus)
    result = train_reference(trainer)
    x, y = corpus.examples(task.split, config.block_size, trainer.model.window)
    return {"loss": round(evaluate_reference(result["model"], x, y), 4),
            "train_seconds": round(result["seconds"], 1), "first_loss": result["losses"][0]}


def run(name: str, data_path: str, out: str, seed: int) -> dict[str, Any]:
    task = TASKS[name]
    data = DataSettings(path=data_path, **task.data)
    corpus = data.load()
    config = ModelConfig(vocab_size=len(corpus.vocab), seed=seed, **task.model)
    trainer = Trainer(config, TrainSettings(seed=seed, **task.train), data, corpus)
    start = time.perf_counter()
    with trainer.watched_by(_Report(name)):
        trainer.run(trainer.settings.steps)
    train_seconds = time.perf_counter() - start
    trainer.save(out)
    x, y = corpus.examples(task.split, config.block_size, trainer.model.window)
    loss = evaluate(trainer.model, x, y)
    shown = round(loss, 4)   # the figure printed, held against the reference as printed
    return {"task": name, "split": task.split, "loss": shown, "reference": task.reference,
            "met": None if task.reference is None else shown <= task.reference,
            "train_seconds": round(train_seconds, 1),
            "seconds": round(time.perf_counter() - start, 1), "steps": trainer.step,
            "checkpoint": out}


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def _reference_line(result: dict[str, Any], task: Task) -> str:
    if task.reference is None:
        return f"- held-out ({result['split']}) loss **{result['loss']:.4f}** ({task.source})\n"
    return (f"- held-out ({result['split']}) loss **{result['loss']:.4f}** against the reference "
            f"{task.reference} ({task.source}): {_verdict(result['met'])}\n")


def _torch_line(result: dict[str, Any], task: Task) -> str:
    if "torch" not in result:
        return ""
    t = result["torch"]
    line = (f"- PyTorch twin (same initial weights and batches, one thread): held-out loss "
            f"{t['loss']:.4f}, {t['train_seconds']:.0f} s training — backproplab's time "
            f"is {result['train_seconds'] / t['train_seconds']:.2f}× PyTorch's\n")
    if task.twin_margin is not None:
        line += (f"- goal: backproplab's loss ≤ the twin's + {task.twin_margin} = "
                 f"{t['loss'] + task.twin_margin:.4f}: {_verdict(result['twin_met'])}\n")
    return line


def record(result: dict[str, Any], command: str) -> None:
    task = TASKS[result["task"]]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    update_section(f"quality:{result['task']}", (
        f"### Quality: {result['task']}\n\n"
        f"- command: `{command}` ({stamp}); confirm with `backproplab eval --checkpoint "
        f"{result['checkpoint']} --split {result['split']}`\n" + _reference_line(result, task) +
        f"- wall time {result['seconds']:.0f} s ({result['train_seconds']:.0f} s training, "
        f"{result['steps']} steps)\n" + _torch_line(result, task)
    ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--data", help="the corpus (default: the task's file under ../shared)")
    parser.add_argument("--out", help="checkpoint folder (default out/quality/TASK)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--torch", action="store_true",
                        help="also train the PyTorch twin on the same configuration")
    args = parser.parse_args(argv)
    from autograd.plumbing import allocator

    allocator.tune()   # as backproplab's CLI does, for both engines
    task = TASKS[args.task]
    if args.torch and task.model["model"] == "ngram":
        parser.error(f"{args.task} has no PyTorch twin: an n-gram model is counted, not trained")
    data = args.data or task.default_data
    out = args.out or f"out/quality/{args.task}"
    result = run(args.task, data, out, args.seed)
    if args.torch:
        result["torch"] = run_torch(args.task, data, args.seed)
        if task.twin_margin is not None:
            result["twin_met"] = result["loss"] <= result["torch"]["loss"] + task.twin_margin
    print(json.dumps(result))
    if not args.no_write:
        record(result, "python -m benchmarks.quality " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
