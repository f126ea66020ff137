"""`backproplab train`: a new run or `--resume`, with a progress bar, periodic checkpoints and
Ctrl-C and SIGTERM handling (the first finishes the step, saves and exits 130 or 143; a second
aborts)."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from models import checkpoint
from models.cli.parser import UsageError, from_args
from models.data import DataError
from models.diagnostics import Diagnostics, GradientNorms
from models.live.training import LiveTraining
from models.memory import check_fits, needs, shown
from models.metrics import MetricsLog, MetricsObserver
from models.observer import TrainingObserver
from models.registry import DEFAULTS, MODELS, TRAINING
from models.settings import (
    DataSettings,
    ModelConfig,
    ServerSettings,
    TrainSettings,
    declared,
    flag_of,
)
from models.stopping import stops_between_steps
from models.threads import use_threads
from models.train import Diverged, Trainer, make_schedule, perplexity_report
from models.writer_lock import one_writer


def run_train(args: argparse.Namespace) -> int:
    """Every setting was checked by the parser (models/settings.py); the folder is examined
    only once its lock is held, so two runs started together cannot both find it empty."""
    if args.threads is not None:
        use_threads(args.threads)
    if args.resume:
        _require_checkpoint(args.out)   # early, so that no folder is made for the lock
        with one_writer(args.out):   # before reading: another run may be writing it
            _require_checkpoint(args.out)
            checkpoint.remove_staging(args.out)   # a killed save's space, before anything is written
            return _train_loop(_resumed(args), args, resumed=True)
    _refuse_existing(args.out)   # early, so a forgotten --resume is not told after loading
    trainer = _new_trainer(args)   # reads and checks the data before anything is written
    with one_writer(args.out):
        _refuse_existing(args.out)
        return _train_loop(trainer, args, resumed=False)


def _require_checkpoint(out: str) -> None:
    if not checkpoint.exists(out):
        raise DataError(f"--resume: no checkpoint in {out}")


def _refuse_existing(out: str) -> None:
    if checkpoint.exists(out):
        raise DataError(f"{out} already holds a checkpoint: add --resume to continue it, "
                        "or choose another --out")


RESUME_TAKES = ("steps", "keep")   # what a resumed run may change; the rest is the checkpoint's


def _refuse_changes(trainer: Trainer, args: argparse.Namespace) -> None:
    """--resume continues the checkpoint's own model, data and training settings. The same
    command again with --resume is fine; an option that would change one of them is refused,
    by name and with both values, rather than dropped silently."""
    _ngram_words(args)
    changed = []
    for saved in (trainer.config, trainer.settings, trainer.data):
        asked = from_args(type(saved), args, vars(saved))
        changed += [f"{flag_of(item)} {getattr(asked, item.name)} (it has {getattr(saved, item.name)})"
                    for item in declared(type(saved)) if item.name not in RESUME_TAKES
                    and getattr(asked, item.name) != getattr(saved, item.name)]
    if changed:
        page = (" (a learning rate set on the live page is saved with the run, as a constant "
                "schedule)" if any(c.startswith(("--lr ", "--schedule ")) for c in changed) else "")
        raise UsageError(f"--resume continues {args.out} with its own settings; it would not take "
                         f"{'; '.join(changed)}{page}: leave those out (a resumed run takes "
                         "--steps, --keep and the options that watch it), or train anew into "
                         "another --out")


def _resumed(args: argparse.Namespace) -> Trainer:
    trainer = Trainer.load(args.out)
    if trainer.config.model != args.model:
        raise checkpoint.CheckpointError(f"--resume: {args.out} holds a {trainer.config.model} "
                                         f"model, not {args.model}")
    _refuse_changes(trainer, args)
    trainer.settings.steps = args.steps if args.steps is not None else TrainSettings().steps
    if args.keep is not None:
        trainer.settings.keep = args.keep
    trainer.schedule = make_schedule(trainer.settings)   # a cosine schedule spans the steps
    return trainer


def _ngram_words(args: argparse.Namespace) -> None:
    """The n-gram's own words for its settings: `--order N` is a context of N − 1 tokens, and
    `--add-k K` without `--smoothing` asks for add-k smoothing."""
    if args.order is not None:
        if args.model != "ngram":
            raise UsageError(f"--order is the n-gram's; a {args.model} takes --block-size")
        if args.block_size not in (None, args.order - 1):
            raise UsageError(f"--order {args.order} means --block-size {args.order - 1}, "
                             f"not {args.block_size}")
        args.block_size = args.order - 1
    if args.model == "ngram" and args.add_k is not None and args.smoothing is None:
        args.smoothing = "add-k"


def _new_trainer(args: argparse.Namespace) -> Trainer:
    _ngram_words(args)
    settings = from_args(TrainSettings, args, TRAINING[args.model])
    data = from_args(DataSettings, args)
    corpus = data.load()
    config = from_args(ModelConfig, args, {**DEFAULTS[args.model],
                                           "vocab_size": len(corpus.vocab), "seed": settings.seed})
    # before a byte of the model or of its examples is allocated
    check_fits(config, settings, corpus.example_memory("train", config.block_size,
                                                       MODELS[config.model].window))
    return Trainer(config, settings, data, corpus)


def _observers(trainer: Trainer, args: argparse.Namespace, resumed: bool
               ) -> tuple[MetricsObserver, LiveTraining | None, GradientNorms | None]:
    """What watches a run besides the progress bar: `OUT/metrics.jsonl` always (with the
    diagnostics it reads before it), the gradient norms with --log-grad-norms, the live page
    with --live. A taken --port fails here, before training."""
    every = args.diagnostics_every if args.diagnostics_every is not None else (10 if args.live else 0)
    # the model graph panel: at most one drawing in 5 s
    diagnostics = Diagnostics(every, graph_seconds=5.0 if args.live else 0.0)
    metrics = MetricsObserver(MetricsLog(args.out, trainer.step if resumed else None), diagnostics)
    norms = GradientNorms() if args.log_grad_norms else None
    live = None
    if args.live:
        server = from_args(ServerSettings, args)
        live = LiveTraining(trainer, server.host, server.port, server.read_only, diagnostics)
    trainer.observers += [diagnostics, *([norms] if norms else []), metrics, *([live] if live else [])]
    return metrics, live, norms


class _Progress(TrainingObserver):
    """The progress bar, the line of each validation, and a checkpoint at each validation."""

    def __init__(self, bar: Any, out: str) -> None:
        self.bar, self.out = bar, out
        self.saved_at: int | None = None   # the step of the last save, so the last step is saved once

    def after_step(self, trainer: Trainer, loss: float, tokens_per_second: float) -> None:
        self.bar.set_postfix(loss=f"{loss:.4f}", tok_s=f"{tokens_per_second:,.0f}", refresh=False)
        self.bar.update(1)

    def after_validation(self, trainer: Trainer, val_loss: float) -> None:
        ppl = perplexity_report(val_loss)["perplexity"]
        shown = f"{ppl:.2f}" if ppl < 1e6 else f"{ppl:.3g}"   # a diverging run's: 4.4e+137, inf
        self.bar.write(f"step {trainer.step}: train loss {trainer.history[-1]:.4f}, val loss "
                       f"{val_loss:.4f}, val perplexity {shown}")
        self.save(trainer)

    def save(self, trainer: Trainer) -> None:
        """Save, unless this step is saved already."""
        if self.saved_at != trainer.step:
            trainer.save(self.out)
            self.saved_at = trainer.step


def _train_loop(trainer: Trainer, args: argparse.Namespace, resumed: bool) -> int:
    from tqdm import tqdm

    out, total = args.out, trainer.settings.steps
    if trainer.step >= total:
        print(f"{out} is already at step {trainer.step} of {total}; raise --steps to go on")
        return 0
    metrics, live, norms = _observers(trainer, args, resumed)
    weights, _, batch = needs(trainer.config, trainer.settings)
    size = ("no parameters: it is trained by counting" if trainer.model.counting
            else f"{trainer.model.num_parameters():,} parameters")
    print(f"{trainer.config.model}: {size}, "
          f"{len(trainer.corpus.vocab)} tokens, {trainer.corpus.shape} data, about "
          f"{shown(weights + batch)} for training; training steps {trainer.step}..{total}")
    if live is not None:
        print(live.banner(), flush=True)
    bar = tqdm(total=total, initial=trainer.step, disable=True if args.quiet else None,
               unit="step", dynamic_ncols=True, file=sys.stderr)
    progress = _Progress(bar, out)
    trainer.observers.append(progress)   # last: it saves once the log has the step's line
    try:
        with stops_between_steps() as stop_requested:
            stop = stop_requested if live is None else (lambda: live.between_steps(stop_requested))
            try:
                trainer.run(total, stop=stop)
            finally:
                bar.close()
                metrics.close()
                if live is not None:
                    live.close()
    except KeyboardInterrupt:   # the second Ctrl-C: maybe mid-step, so this state is not saved
        kept = (f"keeps its checkpoint of step {checkpoint.load(out)['config']['step']}"
                if checkpoint.exists(out) else "has no checkpoint")
        print(f"\naborted after step {trainer.step}: {out} {kept}", file=sys.stderr)
        return 130
    except Diverged as error:   # the trainer holds the last finite step: keep it
        progress.save(trainer)
        raise Diverged(f"{error}: {out} holds the checkpoint of step {trainer.step}; try a "
                       "smaller --lr, or --grad-clip") from None
    progress.save(trainer)
    return _finish(trainer, out, args.log_grad_norms, norms, total, stop_requested.signal)


def _finish(trainer: Trainer, out: str, grad_plot: str | None, norms: GradientNorms | None,
            total: int, stopped_by: int | None) -> int:
    if trainer.step < total:   # stopped by a signal
        print(f"interrupted at step {trainer.step}: checkpoint saved in {out} "
              "(continue with --resume)", file=sys.stderr)
        return 128 + (stopped_by or signal.SIGINT)   # a shell's status for a signal: 130, 143
    print(f"checkpoint saved in {out}")
    if grad_plot and norms is not None:
        from autograd.tools.flow import plot_grad_flow

        plot_grad_flow(norms.norms, grad_plot, "gradient norm per parameter")
        print(f"gradient norms plotted in {grad_plot}")
    return 0
