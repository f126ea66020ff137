"""Training: the lecture's step (forward, loss, zero grads, backward, update) with periodic
validation, checkpoints that resume exactly, and evaluation (loss, perplexity, bits per token).
What watches training attaches as an observer (models/observer.py)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Dropout, Tensor, no_grad, optim
from autograd.plumbing import allocator
from models import checkpoint, schema
from models.base import LanguageModel, ModelConfig
from models.data import IGNORE, Batches, Corpus, DataError, Vocabulary
from models.ngram import NGramLanguageModel
from models.observer import TrainingObserver
from models.recurrent import RecurrentLanguageModel
from models.registry import MODELS, build
from models.settings import OPTIMIZERS, SCHEDULES, DataSettings, TrainSettings

__all__ = ["DataSettings", "Diverged", "DivergenceGuard", "TrainSettings", "Trainer", "evaluate",
           "load_model", "make_optimizer", "make_schedule", "perplexity_report"]

FIRST_EVAL = 50   # the first validation, when `eval_every` is longer


def _sgd(model: LanguageModel, s: TrainSettings) -> optim.Optimizer:
    return optim.SGD(model.parameters(), s.lr, s.momentum, s.weight_decay)


def _adamw(model: LanguageModel, s: TrainSettings) -> optim.Optimizer:
    return optim.AdamW(model.parameters(), s.lr, s.betas, weight_decay=s.weight_decay)


def _constant(s: TrainSettings) -> Callable[[int], float]:
    return lambda step: s.lr


def _step(s: TrainSettings) -> Callable[[int], float]:
    return optim.StepDrops(s.lr, s.lr_drops)


def _cosine(s: TrainSettings) -> Callable[[int], float]:
    return optim.WarmupCosine(s.lr, s.warmup, s.steps, s.min_lr)


# in the order models/settings.py names them (the choices are spelled there only)
OPTIMIZER_MAKERS = dict(zip(OPTIMIZERS, (_sgd, _adamw), strict=True))
SCHEDULE_MAKERS = dict(zip(SCHEDULES, (_constant, _step, _cosine), strict=True))


class NothingToOptimise(optim.Optimizer):
    """A count model's optimiser: it has no parameters, so nothing is updated (lr reads 0)."""

    def __init__(self) -> None:
        self.params, self.lr, self.steps = [], 0.0, 0

    def step(self) -> None:
        pass


def make_optimizer(model: LanguageModel, s: TrainSettings) -> optim.Optimizer:
    if model.counting:
        return NothingToOptimise()
    if s.optimizer not in OPTIMIZER_MAKERS:
        raise ValueError(f"unknown optimizer {s.optimizer!r}: choose {', '.join(OPTIMIZER_MAKERS)}")
    return OPTIMIZER_MAKERS[s.optimizer](model, s)


def make_schedule(s: TrainSettings) -> Callable[[int], float]:
    if s.schedule not in SCHEDULE_MAKERS:
        raise ValueError(f"unknown schedule {s.schedule!r}: choose {', '.join(SCHEDULE_MAKERS)}")
    return SCHEDULE_MAKERS[s.schedule](s)


def tokens_per_step(window: bool, batch_size: int, block_size: int) -> int:
    """Tokens predicted per training step: one per example for a window model (MLP, CNN), one
    per position for a sequence model (RNN, Transformer)."""
    return batch_size if window else batch_size * block_size


@no_grad()
def evaluate(model: LanguageModel, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Mean loss in nats per target token over all of (x, y), in eval mode."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            n = int(np.sum(yb != IGNORE))
            if n:
                total += float(model.loss(xb, yb).data) * n
                count += n
    finally:
        model.train(was_training)
    return total / max(count, 1)


class Diverged(FloatingPointError):
    """A training step's loss was not finite; the trainer holds the step before it."""


class DivergenceGuard(TrainingObserver):
    """A step whose loss is not finite raises `Diverged` before it updates anything, with the
    random state put back, so the trainer still holds the last finite step (every trainer has
    one, first among its observers)."""

    def __init__(self) -> None:
        self._rng_before: Mapping[str, Any] = {}

    def before_step(self, trainer: Trainer) -> None:
        self._rng_before = trainer.rng.bit_generator.state

    def after_backward(self, trainer: Trainer, loss: float) -> None:
        if not math.isfinite(loss):
            trainer.rng.bit_generator.state = self._rng_before
            raise Diverged(f"training diverged at step {trainer.step + 1}: loss {loss}")


class Trainer:
    """A model, its data, optimiser and random state: everything a checkpoint holds; and the
    observers that watch it train (models/observer.py)."""

    def __init__(self, config: ModelConfig, settings: TrainSettings, data: DataSettings,
                 corpus: Corpus | None = None) -> None:
        allocator.tune_once()   # before the model's arrays: see autograd/plumbing/allocator.py
        self.data = data
        self.corpus = corpus or data.load()
        self.config = config
        self.settings = settings
        if not MODELS[config.model].counting:   # a count model validates only if it can
            self.corpus.check_split("val", config.block_size)   # before training, not at its end
        self.model = build(config)
        self.optimizer = make_optimizer(self.model, settings)
        self.schedule = make_schedule(settings)
        self.rng = np.random.default_rng(settings.seed)
        for module in self.model.modules():
            if isinstance(module, Dropout):
                module.rng = self.rng   # one generator: batches and masks resume together
        self.batches = Batches(self.corpus, "train", config.block_size, self.model.window, self.rng)
        self.step = 0
        self.history: list[float] = []           # training loss per step
        self.validation: list[list[float]] = []  # [step, val loss]
        self.observers: list[TrainingObserver] = [DivergenceGuard()]

    @contextmanager
    def watched_by(self, *observers: TrainingObserver) -> Iterator[Trainer]:
        """`observers` watch the steps taken inside the block, after those already watching."""
        self.observers.extend(observers)
        try:
            yield self
        finally:
            for observer in observers:
                self.observers.remove(observer)

    def use_constant_lr(self, lr: float) -> None:
        """From the next step on, a constant learning rate (saved with the run's settings)."""
        self.settings.lr, self.settings.schedule = lr, "constant"
        self.schedule = make_schedule(self.settings)

    # --- training ---------------------------------------------------------------------------
    def train_step(self) -> float:
        """The lecture's step: forward, loss, zero grads, backward, update; returns the loss.
        Truncated BPTT (`bptt`, recurrent models) runs forward, loss and backward chunk by
        chunk inside the model. What watches the step is told by `self.observers`."""
        x, y = self.next_batch()
        if self.settings.bptt and isinstance(self.model, RecurrentLanguageModel):
            self.optimizer.zero_grad()
            value = self.model.truncated_bptt_loss(x, y, self.settings.bptt, self._chunk_backward())
        else:
            loss = self.model.loss(x, y)    # 1, 2: forward, and the loss
            self.notify("after_forward", loss)
            self.optimizer.zero_grad()      # 3: zero grads
            self.backward(loss)             # 4: backward
            value = float(loss.data)
        self.update(value)                  # 5: update
        return value

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The step's learning rate (from the schedule) and batch, once the observers saw the
        step begin."""
        self.optimizer.lr = self.schedule(self.step)
        self.notify("before_step")
        return self.batches.sample(self.settings.batch_size)

    def backward(self, loss: Tensor) -> None:
        """`loss.backward()`, unless an observer runs the pass itself (to trace it)."""
        if not any(observer.run_backward(self, loss) for observer in self.observers):
            loss.backward()

    def _chunk_backward(self) -> Callable[[Tensor], None]:
        """Truncated BPTT's backward pass of each chunk: the observers see the first chunk's
        loss and pass as they see a whole step's (`after_forward`, `run_backward`)."""
        observed: list[Tensor] = []

        def backward(loss: Tensor) -> None:
            if observed:
                loss.backward()
                return
            observed.append(loss)
            self.notify("after_forward", loss)
            self.backward(loss)
        return backward

    def update(self, loss: float) -> None:
        """The optimiser's step, after clipping the gradients' norm if `grad_clip` is set; the
        observers see the gradients before (and may refuse the step) and the step after."""
        self.notify("after_backward", loss)
        if self.settings.grad_clip:
            optim.clip_grad_norm_(self.model.parameters(), self.settings.grad_clip)
        self.optimizer.step()
        self.step += 1
        self.history.append(loss)
        self.notify("after_update", loss)

    def notify(self, hook: str, *args: Any) -> None:
        """Call `hook(self, *args)` of every observer, in order."""
        for observer in self.observers:
            getattr(observer, hook)(self, *args)

    def validation_loss(self, limit: int | None = None) -> float:
        x, y = self.corpus.examples("val", self.config.block_size, self.model.window, limit)
        return evaluate(self.model, x, y)

    def run(self, steps: int, stop: Callable[[], bool] | None = None) -> None:
        """Train until `self.step == steps`; the observers' `after_step(trainer, loss, tokens
        per second)` after each step and `after_validation(trainer, val_loss)` every
        `eval_every` steps, at step FIRST_EVAL (50) if that comes sooner, and at the last step
        of the settings (so a run stopped early and resumed validates as one that was not).
        `stop()` is asked before each step: a run it ends stops between two steps, where the
        weights, optimiser, random state and step count agree (the CLI's Ctrl-C uses it)."""
        if self.model.counting:   # training is counting: one pass over the training split
            self._count(steps)
            return
        tokens = tokens_per_step(self.model.window, self.settings.batch_size,
                                 self.config.block_size)
        while self.step < steps and not (stop and stop()):
            start = time.perf_counter()
            loss = self.train_step()
            self.notify("after_step", loss, tokens / max(time.perf_counter() - start, 1e-9))
            every = self.settings.eval_every   # and once early, so samples show from the start
            if self.step % every == 0 or self.step in (self.settings.steps, min(FIRST_EVAL, every)):
                self._validate()

    def _validate(self) -> None:
        val = self.validation_loss(self.settings.eval_limit)
        self.validation.append([self.step, val])
        self.notify("after_validation", val)

    def _count(self, steps: int) -> None:
        """A count model's training: count the training pairs (and, for interpolation, fit its
        weights on the validation pairs); the run is then done, at step `steps`."""
        model = self.model
        assert isinstance(model, NGramLanguageModel)
        start = time.perf_counter()
        x, y = self.corpus.examples("train", self.config.block_size, window=True)
        model.fit(x, y)
        has_validation = sum(len(part) for part in self.corpus.splits["val"]) > 0
        if self.config.smoothing == "interpolation":
            if not has_validation:
                raise DataError("ngram: interpolation fits its weights on the validation split, "
                                "which is empty; give --split with a validation part")
            model.fit_weights(*self.corpus.examples("val", self.config.block_size, window=True))
        loss = evaluate(model, x, y)
        self.step, self.history = steps, [loss]
        self.notify("after_step", loss, len(y) / max(time.perf_counter() - start, 1e-9))
        if has_validation:
            self.validation = []
            self._validate()

    # --- checkpoints ------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        checkpoint.save(
            folder,
            config={"model": self.config.to_json(), "train": self.settings.to_json(),
                    "data": self.data.to_json(), "step": self.step},
            vocab=self.corpus.vocab.to_json(),
            weights=self.model.state_dict(),
            optimizer=self.optimizer.state_dict(),
            state={"rng": self.rng.bit_generator.state, "history": self.history,
                   "validation": self.validation},
            keep=self.settings.keep,
        )

    @classmethod
    def load(cls, folder: str | Path, settings: TrainSettings | None = None) -> Trainer:
        """A trainer restored from a checkpoint; `settings` may change e.g. the step count."""
        saved = checkpoint.load(folder)
        schema.check(saved, folder)
        try:
            config = ModelConfig.from_json(saved["config"]["model"])
            stored = TrainSettings.from_json(saved["config"]["train"])
            data = DataSettings.from_json(saved["config"]["data"])
            vocab = Vocabulary.from_json(saved["vocab"])
        except (KeyError, TypeError, ValueError) as error:
            raise checkpoint.CheckpointError(f"checkpoint {folder} has bad settings: {error}") from None
        trainer = cls(config, settings or stored, data, data.load(vocab))
        try:
            trainer.model.load_state_dict(saved["weights"])
            trainer.optimizer.load_state_dict(saved["optimizer"])
            trainer.rng.bit_generator.state = saved["state"]["rng"]
        except (KeyError, ValueError, TypeError) as error:
            raise checkpoint.CheckpointError(f"checkpoint {folder} does not fit its model: "
                                             f"{error}") from None
        trainer.step = int(saved["config"]["step"])
        trainer.history = list(saved["state"].get("history", []))
        trainer.validation = list(saved["state"].get("validation", []))
        return trainer


def load_model(folder: str | Path) -> tuple[LanguageModel, Vocabulary, dict[str, Any]]:
    """The model and vocabulary of a checkpoint, for sampling and evaluation."""
    saved = checkpoint.load(folder)
    schema.check(saved, folder)
    try:
        config = ModelConfig.from_json(saved["config"]["model"])
        vocab = Vocabulary.from_json(saved["vocab"])
        model = build(config)
        model.load_state_dict(saved["weights"])
    except (KeyError, TypeError, ValueError) as error:
        raise checkpoint.CheckpointError(f"checkpoint {folder} is not usable: {error}") from None
    model.eval()
    return model, vocab, saved["config"]


def perplexity_report(loss: float) -> dict[str, float]:
    """loss (nats/token) → perplexity e^loss (inf past a float's range, as a diverged run's
    loss can be) and bits per token loss/ln 2."""
    perplexity = math.inf if loss > math.log(sys.float_info.max) else math.exp(loss)
    return {"loss": loss, "perplexity": perplexity, "bits_per_token": loss / math.log(2)}

