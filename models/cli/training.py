"""`backproplab train`: a new run or `--resume`, with a progress bar, periodic checkpoints and
Ctrl-C handling (the first Ctrl-C finishes the step, saves and exits 130; a second aborts)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from models import checkpoint
from models.base import ModelConfig
from models.data import DataError
from models.registry import DEFAULTS
from models.writer_lock import one_writer

# Per-model training defaults: makemore's SGD for the window models, AdamW for the others.
TRAIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "ngram": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},   # counted: none of these is used
    "bigram": {"optimizer": "sgd", "lr": 10.0, "weight_decay": 0.0},
    "mlp": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},
    "cnn": {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0},
    "rnn": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "lstm": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "gru": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
    "transformer": {"optimizer": "adamw", "lr": 5e-4, "weight_decay": 0.01},
}


def run_train(args: argparse.Namespace) -> int:
    if args.keep is not None and args.keep < 1:
        raise DataError(f"--keep {args.keep}: keep at least 1 checkpoint")
    if args.resume:
        if not checkpoint.exists(args.out):
            raise DataError(f"--resume: no checkpoint in {args.out}")
        with one_writer(args.out):   # before reading: another run may be writing it
            return _train_loop(_resumed(args), args, resumed=True)
    if checkpoint.exists(args.out):
        raise DataError(f"{args.out} already holds a checkpoint: add --resume to continue it, "
                        "or choose another --out")
    trainer = _new_trainer(args)   # reads and checks the data before anything is written
    with one_writer(args.out):
        return _train_loop(trainer, args, resumed=False)


def _resumed(args: argparse.Namespace) -> Any:
    from models.train import Trainer, make_schedule

    trainer = Trainer.load(args.out)
    if trainer.config.model != args.model:
        raise checkpoint.CheckpointError(f"--resume: {args.out} holds a {trainer.config.model} "
                                         f"model, not {args.model}")
    trainer.settings.steps = args.steps
    if args.keep is not None:
        trainer.settings.keep = args.keep
    trainer.schedule = make_schedule(trainer.settings)   # a cosine schedule spans the steps
    return trainer


def _new_trainer(args: argparse.Namespace) -> Any:
    from models.train import DataSettings, Trainer, TrainSettings

    data = DataSettings(args.data, args.level, args.shape, args.split_seed, args.split)
    corpus = data.load()
    size = {**DEFAULTS[args.model], **_given(args, "block_size", "n_embd", "n_hidden",
                                              "n_layer", "n_head")}
    config = ModelConfig(
        model=args.model, vocab_size=len(corpus.vocab), **size, dropout=args.dropout,
        nonlinearity=args.nonlinearity, direct=args.direct, positions=args.positions,
        tied=args.tied, seed=args.seed)
    how = {**TRAIN_DEFAULTS[args.model], **_given(args, "optimizer", "lr", "weight_decay")}
    settings = TrainSettings(
        steps=args.steps, batch_size=args.batch_size, **how, momentum=args.momentum,
        betas=tuple(args.betas), schedule=args.schedule, lr_drops=dict(args.lr_drop),
        warmup=args.warmup, min_lr=args.min_lr, grad_clip=args.grad_clip, bptt=args.bptt,
        eval_every=args.eval_every, seed=args.seed,
        keep=2 if args.keep is None else args.keep)
    return Trainer(config, settings, data, corpus)


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options among `names` that the user set."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


class _Watchers:
    """What follows a run besides the progress bar: `OUT/metrics.jsonl` always, and the live
    page with --live. A step's line is written once its validation (if any) is known."""

    def __init__(self, trainer: Any, args: argparse.Namespace, resumed: bool) -> None:
        from models.metrics import MetricsLog

        self.log = MetricsLog(args.out, trainer.step if resumed else None)
        self.live = None
        self._pending: dict[str, Any] | None = None
        if args.live:
            from models.live.training import LiveTraining

            self.live = LiveTraining(trainer, args.host, args.port, args.read_only)
        every = args.diagnostics_every
        trainer.diagnostics_every = every if every is not None else (10 if args.live else 0)
        if args.live:
            trainer.graph_seconds = 5.0   # the model graph panel: at most one drawing in 5 s

    def step_done(self, trainer: Any, loss: float) -> None:
        from models.metrics import step_record

        self.flush()
        self._pending, graph = step_record(trainer, loss)
        if self.live is not None:
            self.live.stepped(self._pending, graph)

    def validated(self, trainer: Any, val: float) -> None:
        if self._pending is not None:
            self._pending["val_loss"] = val
        if self.live is not None:
            self.live.validated(trainer.step, val)

    def flush(self) -> None:
        if self._pending is not None:
            self.log.write(self._pending)
            self._pending = None

    def close(self) -> None:
        self.flush()
        self.log.close()
        if self.live is not None:
            self.live.close()


def _train_loop(trainer: Any, args: argparse.Namespace, resumed: bool) -> int:
    from tqdm import tqdm

    out, grad_plot = args.out, args.log_grad_norms
    if grad_plot:
        trainer.grad_norms = {}   # the trainer records every parameter's norm each step

    total = trainer.settings.steps
    if trainer.step >= total:
        print(f"{out} is already at step {trainer.step} of {total}; raise --steps to go on")
        return 0
    watchers = _Watchers(trainer, args, resumed)   # a taken --port fails here, before training
    print(f"{trainer.config.model}: {trainer.model.num_parameters():,} parameters, "
          f"{len(trainer.corpus.vocab)} tokens, {trainer.corpus.shape} data; "
          f"training steps {trainer.step}..{total}")
    if watchers.live is not None:
        print(watchers.live.start().banner(), flush=True)
    bar = tqdm(total=total, initial=trainer.step, disable=True if args.quiet else None,
               unit="step", dynamic_ncols=True, file=sys.stderr)

    def report(t: Any, loss: float, tokens_per_second: float) -> None:
        bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{tokens_per_second:,.0f}", refresh=False)
        bar.update(1)
        watchers.step_done(t, loss)

    saved_at: list[int] = []   # the step of the last save, so the last step is saved once

    def validate(t: Any, val: float) -> None:
        from models.train import perplexity_report

        ppl = perplexity_report(val)["perplexity"]
        bar.write(f"step {t.step}: train loss {t.history[-1]:.4f}, val loss {val:.4f}, "
                  f"val perplexity {ppl:.2f}")
        watchers.validated(t, val)
        watchers.flush()   # the log never runs ahead of the checkpoint by more than a step
        t.save(out)
        saved_at[:] = [t.step]

    try:
        with ctrl_c_stops_between_steps() as stop_requested:
            live = watchers.live
            stop = stop_requested if live is None else (lambda: live.before_step(stop_requested))
            trainer.run(total, report, validate, stop=stop)
    except KeyboardInterrupt:   # the second Ctrl-C: maybe mid-step, so this state is not saved
        bar.close()
        watchers.close()
        kept = (f"keeps its checkpoint of step {checkpoint.load(out)['config']['step']}"
                if checkpoint.exists(out) else "has no checkpoint")
        print(f"\naborted after step {trainer.step}: {out} {kept}", file=sys.stderr)
        return 130
    bar.close()
    watchers.close()
    return _finish(trainer, out, grad_plot, saved_at, total)


def _finish(trainer: Any, out: str, grad_plot: str | None, saved_at: list[int], total: int) -> int:
    if saved_at != [trainer.step]:
        trainer.save(out)
    if trainer.step < total:   # stopped by a Ctrl-C
        print(f"interrupted at step {trainer.step}: checkpoint saved in {out} "
              "(continue with --resume)", file=sys.stderr)
        return 130
    print(f"checkpoint saved in {out}")
    if grad_plot:
        from autograd.tools.flow import plot_grad_flow

        plot_grad_flow(trainer.grad_norms, grad_plot, "gradient norm per parameter")
        print(f"gradient norms plotted in {grad_plot}")
    return 0


@contextmanager
def ctrl_c_stops_between_steps() -> Iterator[Callable[[], bool]]:
    """The first Ctrl-C asks training to stop after the current step, so the checkpoint holds
    weights, optimiser and random state of one step; a second one interrupts at once."""
    requested: list[bool] = []
    previous = signal.getsignal(signal.SIGINT)

    def first_ctrl_c(number: int, frame: Any) -> None:
        requested.append(True)
        signal.signal(signal.SIGINT, previous)
        print("\nCtrl-C: stopping after this step and saving (Ctrl-C again to abort)",
              file=sys.stderr)

    ours = previous is signal.default_int_handler   # not when started with SIGINT ignored
    if ours:
        signal.signal(signal.SIGINT, first_ctrl_c)
    try:
        yield lambda: bool(requested)
    finally:
        if ours and not requested:
            signal.signal(signal.SIGINT, previous)
