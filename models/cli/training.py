"""`backproplab train`: a new run or `--resume`, with a progress bar, periodic checkpoints and
Ctrl-C and SIGTERM handling (the first finishes the step, saves and exits 130 or 143; a second
aborts)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from models import checkpoint
from models.cli.parser import from_args
from models.data import DataError
from models.memory import check_fits, needs, shown
from models.registry import DEFAULTS, MODELS, TRAINING
from models.settings import DataSettings, ModelConfig, ServerSettings, TrainSettings
from models.train import Diverged
from models.writer_lock import one_writer


def run_train(args: argparse.Namespace) -> int:
    """Every setting was checked by the parser (models/settings.py); the folder is examined
    only once its lock is held, so two runs started together cannot both find it empty."""
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


def _resumed(args: argparse.Namespace) -> Any:
    from models.train import Trainer, make_schedule

    trainer = Trainer.load(args.out)
    if trainer.config.model != args.model:
        raise checkpoint.CheckpointError(f"--resume: {args.out} holds a {trainer.config.model} "
                                         f"model, not {args.model}")
    trainer.settings.steps = args.steps if args.steps is not None else TrainSettings().steps
    if args.keep is not None:
        trainer.settings.keep = args.keep
    trainer.schedule = make_schedule(trainer.settings)   # a cosine schedule spans the steps
    return trainer


def _new_trainer(args: argparse.Namespace) -> Any:
    from models.train import Trainer

    settings = from_args(TrainSettings, args, TRAINING[args.model])
    data = from_args(DataSettings, args)
    corpus = data.load()
    config = from_args(ModelConfig, args, {**DEFAULTS[args.model],
                                           "vocab_size": len(corpus.vocab), "seed": settings.seed})
    # before a byte of the model or of its examples is allocated
    check_fits(config, settings, corpus.example_memory("train", config.block_size,
                                                       MODELS[config.model].window))
    return Trainer(config, settings, data, corpus)


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

            server = from_args(ServerSettings, args)
            self.live = LiveTraining(trainer, server.host, server.port, server.read_only)
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
    weights, _, batch = needs(trainer.config, trainer.settings)
    print(f"{trainer.config.model}: {trainer.model.num_parameters():,} parameters, "
          f"{len(trainer.corpus.vocab)} tokens, {trainer.corpus.shape} data, about "
          f"{shown(weights + batch)} for training; training steps {trainer.step}..{total}")
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
        shown = f"{ppl:.2f}" if ppl < 1e6 else f"{ppl:.3g}"   # a diverging run's: 4.4e+137, inf
        bar.write(f"step {t.step}: train loss {t.history[-1]:.4f}, val loss {val:.4f}, "
                  f"val perplexity {shown}")
        watchers.validated(t, val)
        watchers.flush()   # the log never runs ahead of the checkpoint by more than a step
        t.save(out)
        saved_at[:] = [t.step]

    try:
        with stops_between_steps() as stop_requested:
            live = watchers.live
            stop = stop_requested if live is None else (lambda: live.before_step(stop_requested))
            try:
                trainer.run(total, report, validate, stop=stop)
            finally:
                bar.close()
                watchers.close()
    except KeyboardInterrupt:   # the second Ctrl-C: maybe mid-step, so this state is not saved
        kept = (f"keeps its checkpoint of step {checkpoint.load(out)['config']['step']}"
                if checkpoint.exists(out) else "has no checkpoint")
        print(f"\naborted after step {trainer.step}: {out} {kept}", file=sys.stderr)
        return 130
    except Diverged as error:   # the trainer holds the last finite step: keep it
        if saved_at != [trainer.step]:
            trainer.save(out)
        raise Diverged(f"{error}: {out} holds the checkpoint of step {trainer.step}; try a "
                       "smaller --lr, or --grad-clip") from None
    return _finish(trainer, out, grad_plot, saved_at, total, stop_requested.signal)


def _finish(trainer: Any, out: str, grad_plot: str | None, saved_at: list[int], total: int,
            stopped_by: int | None) -> int:
    if saved_at != [trainer.step]:
        trainer.save(out)
    if trainer.step < total:   # stopped by a signal
        print(f"interrupted at step {trainer.step}: checkpoint saved in {out} "
              "(continue with --resume)", file=sys.stderr)
        return 128 + (stopped_by or signal.SIGINT)   # a shell's status for a signal: 130, 143
    print(f"checkpoint saved in {out}")
    if grad_plot:
        from autograd.tools.flow import plot_grad_flow

        plot_grad_flow(trainer.grad_norms, grad_plot, "gradient norm per parameter")
        print(f"gradient norms plotted in {grad_plot}")
    return 0


class StopRequest:
    """Asked before each step: has a stop been requested? `signal` is the first that asked."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self) -> bool:
        return self.signal is not None


SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


@contextmanager
def stops_between_steps(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)
                        ) -> Iterator[StopRequest]:
    """The first Ctrl-C (or SIGTERM, which `kill`, `docker stop`, systemd and batch schedulers
    send) asks training to stop after the current step, so the checkpoint holds weights,
    optimiser and random state of one step; a second one interrupts at once."""
    request = StopRequest()
    previous = {number: signal.getsignal(number) for number in signals}

    def first(number: int, frame: Any) -> None:
        request.signal = request.signal or number
        signal.signal(number, previous[number])
        name = SIGNAL_NAMES.get(number, f"signal {number}")
        print(f"\n{name}: stopping after this step and saving ({name} again to abort)",
              file=sys.stderr)

    # not when started with the signal ignored (a background job's SIGINT), nor off the main thread
    ours = [number for number in signals if previous[number] in (
        signal.default_int_handler, signal.SIG_DFL)] \
        if threading.current_thread() is threading.main_thread() else []
    for number in ours:
        signal.signal(number, first)
    try:
        yield request
    finally:
        for number in ours:
            if signal.getsignal(number) is first:
                signal.signal(number, previous[number])


def ctrl_c_stops_between_steps() -> AbstractContextManager[StopRequest]:
    """Ctrl-C alone (the notebook widget: a kernel's SIGTERM is Jupyter's to handle)."""
    return stops_between_steps((signal.SIGINT,))
