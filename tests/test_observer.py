"""The training step and what watches it: the lecture's five steps, seen by observers in order."""

from __future__ import annotations

import numpy as np

from models.base import ModelConfig
from models.data import Corpus
from models.diagnostics import GradientNorms
from models.observer import TrainingObserver
from models.train import DataSettings, Trainer, TrainSettings

NAMES = "anna\nbella\nchloe\ndaisy\nemily\nfiona\ngrace\nhazel\niris\njulia\n" * 3


class Witness(TrainingObserver):
    """Writes down each hook as it is called, with what the step looked like then."""

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def _weights(self, trainer: Trainer) -> np.ndarray:
        return np.concatenate([p.data.ravel() for p in trainer.model.parameters()])

    def before_step(self, trainer):
        self.seen.append(("before_step", trainer.step))
        self.weights = self._weights(trainer)

    def after_forward(self, trainer, loss):
        self.seen.append(("after_forward", float(loss.data)))

    def run_backward(self, trainer, loss):
        self.seen.append(("run_backward", None))
        return False

    def after_backward(self, trainer, loss):
        self.seen.append(("after_backward", loss))
        self.grads = [np.array(p.grad) for p in trainer.model.parameters()]
        assert np.array_equal(self._weights(trainer), self.weights)   # nothing updated yet

    def after_update(self, trainer, loss):
        self.seen.append(("after_update", trainer.step))

    def after_step(self, trainer, loss, tokens_per_second):
        self.seen.append(("after_step", loss))

    def after_validation(self, trainer, val_loss):
        self.seen.append(("after_validation", val_loss))


def _trainer(**settings) -> Trainer:
    corpus = Corpus.from_text(NAMES, "char", "lines")
    config = ModelConfig(model="mlp", vocab_size=len(corpus.vocab), block_size=3, n_embd=4,
                         n_hidden=8)
    return Trainer(config, TrainSettings(steps=2, eval_every=2, optimizer="sgd", lr=0.1,
                                         **settings), DataSettings(), corpus)


def test_observers_see_the_lectures_steps_in_order_and_leave_with_the_block() -> None:
    trainer, witness = _trainer(), Witness()
    with trainer.watched_by(witness):
        trainer.run(2)
    names = [name for name, _ in witness.seen]
    step = ["before_step", "after_forward", "run_backward", "after_backward", "after_update",
            "after_step"]
    assert names == step + step + ["after_validation"]
    first_loss = witness.seen[1][1]
    assert witness.seen[3][1] == first_loss == witness.seen[5][1] == trainer.history[0]
    assert witness.seen[-1] == ("after_validation", trainer.validation[-1][1])
    assert witness not in trainer.observers and len(trainer.observers) == 1   # the guard stays


def test_gradient_norms_are_those_of_the_gradients_before_the_update() -> None:
    trainer, witness, norms = _trainer(), Witness(), GradientNorms()
    with trainer.watched_by(witness, norms):
        trainer.run(1)
    names = [name for name, _ in trainer.model.named_parameters()]
    expected = [float(np.linalg.norm(g)) for g in witness.grads]
    assert [norms.norms[name][0] for name in names] == expected
