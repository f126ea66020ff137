"""`backproplab train --live`: the trainer's events to the page, the page's controls to the loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.live.server import LiveServer
from models.live.session import LiveSession

PAGE = Path(__file__).with_name("page.html")


class LiveTraining:
    """A running live view of one trainer."""

    def __init__(self, trainer: Any, host: str, port: int) -> None:
        self.session = LiveSession()
        self.server = LiveServer(self.session, PAGE.read_text(encoding="utf-8"), host, port)
        self.trainer = trainer
        self.session.publish(
            "hello", model=trainer.config.model, parameters=trainer.model.num_parameters(),
            steps=trainer.settings.steps, start=trainer.step, lr=trainer.optimizer.lr or
            trainer.settings.lr, vocabulary=[trainer.corpus.vocab.decode([i])
                                              for i in range(len(trainer.corpus.vocab))],
            history=[[i + 1, loss] for i, loss in enumerate(trainer.history)][-2000:],
            validation=trainer.validation)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> LiveTraining:
        self.server.start()
        return self

    def before_step(self, interrupted: Callable[[], bool]) -> bool:
        """Between two steps: wait while paused, apply a new learning rate; True to stop."""
        self.session.wait_for_permission(interrupted)
        lr = self.session.take_new_lr()
        if lr is not None:   # from the next step on, a constant rate (saved with the run)
            settings = self.trainer.settings
            settings.lr, settings.schedule = lr, "constant"
            self.trainer.schedule = lambda step: lr
            self.session.publish("lr", step=self.trainer.step, lr=lr)
        return interrupted()

    def step_done(self, record: dict[str, Any]) -> None:
        self.session.publish("step", **record)

    def validated(self, step: int, val_loss: float) -> None:
        model, vocab = self.trainer.model, self.trainer.corpus.vocab
        prompt = [vocab.boundary] if vocab.boundary is not None else [0]
        samples = []
        for i in range(5):
            tokens = model.generate(prompt, 40, seed=step + i, stop=vocab.boundary)
            samples.append(vocab.decode([t for t in tokens[len(prompt):] if t != vocab.boundary]))
        self.session.publish("val", step=step, val_loss=val_loss, samples=samples)

    def close(self) -> None:
        self.session.publish("finished", step=self.trainer.step)
        self.session.finish()
        self.server.close()
