"""`backproplab train --live`: the trainer's events to the page, the page's controls to the loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.live.feed import EventFeed
from models.live.server import LiveServer
from models.live.session import LiveSession
from models.metrics import step_record
from models.observer import TrainingObserver

if TYPE_CHECKING:
    from models.diagnostics import Diagnostics
    from models.train import Trainer

FLUSH_SECONDS = 0.25
PAGE = Path(__file__).with_name("page.html")
PANEL = Path(__file__).with_name("panel.js")
_DRAWING = threading.Lock()   # one Graphviz run at a time: a room of pages asks together


def panel_page() -> str:
    """The live page: its shell with the shared panel's script inlined (one file to serve)."""
    return PAGE.read_text(encoding="utf-8").replace(
        "/*PANEL*/", PANEL.read_text(encoding="utf-8"))


class RunEvents(TrainingObserver):
    """A trainer's story as events for the panel: `publish(kind, **payload)` sends each one (to
    the server's session, or to the Jupyter widget). `steps`: the step the run goes to, if not
    the trainer's settings' (the widget's `train(trainer, steps)`). As one of the trainer's
    observers, each step and validation is sent (with the record of `diagnostics`, which comes
    before it)."""

    def __init__(self, trainer: Trainer, publish: Callable[..., None], steps: int | None = None,
                 diagnostics: Diagnostics | None = None) -> None:
        self.trainer, self.publish, self.diagnostics = trainer, publish, diagnostics
        self._waiting: list[dict[str, Any]] = []
        self._sent_at = 0.0
        vocab = trainer.corpus.vocab
        publish("hello", model=trainer.config.model, parameters=trainer.model.num_parameters(),
                steps=steps or trainer.settings.steps, start=trainer.step,
                lr=trainer.optimizer.lr or trainer.settings.lr,
                vocabulary=[vocab.decode([i]) for i in range(len(vocab))],
                history=[[i + 1, loss] for i, loss in enumerate(trainer.history)][-2000:],
                validation=trainer.validation)

    def after_step(self, trainer: Trainer, loss: float, tokens_per_second: float) -> None:
        self.stepped(*step_record(trainer, loss, self.diagnostics))

    def after_validation(self, trainer: Trainer, val_loss: float) -> None:
        self.validated(trainer.step, val_loss)

    def stepped(self, record: dict[str, Any], graph: str | None = None) -> None:
        """A step taken: its record (see `metrics.step_record`), and its graph if drawn."""
        self.step_done(record)
        if graph is not None:
            self.graph_drawn(record["step"], graph)

    def graph_drawn(self, step: int, source: str) -> None:
        """A new drawing of the model graph, sent as SVG (the widget's way: the kernel is its
        only server); the live page's server overrides this."""
        from graphviz import Source

        self.flush()
        self.publish("graph", step=step, svg=Source(source).pipe(format="svg").decode("utf-8"))

    def step_done(self, record: dict[str, Any]) -> None:
        """Steps go out in batches, every 0.25 s (diagnostics included): a page cannot show
        more, and one event per step would cost a small model's step a tenth."""
        self._waiting.append(record)
        if time.monotonic() - self._sent_at >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._waiting:
            self.publish("steps", records=self._waiting)
            self._waiting = []
        self._sent_at = time.monotonic()

    def validated(self, step: int, val_loss: float) -> None:
        self.flush()
        model, vocab = self.trainer.model, self.trainer.corpus.vocab
        prompt = [vocab.boundary] if vocab.boundary is not None else [0]
        samples = []
        for i in range(5):
            tokens = model.generate(prompt, 40, seed=step + i, stop=vocab.boundary)   # new ones
            samples.append(vocab.decode([t for t in tokens if t != vocab.boundary]))
        self.publish("val", step=step, val_loss=val_loss, samples=samples)


class LiveTraining(RunEvents):
    """A running live view of one trainer: its events go to a session that a server (a process
    of its own) serves from now on."""

    def __init__(self, trainer: Trainer, host: str, port: int, read_only: bool = False,
                 diagnostics: Diagnostics | None = None) -> None:
        self.session = LiveSession()
        self.server = LiveServer(self.session, panel_page(), host, port,
                                 {"/graph.svg": GraphPicture()}, read_only=read_only)
        super().__init__(trainer, self.session.publish, diagnostics=diagnostics)

    def graph_drawn(self, step: int, source: str) -> None:
        """A new drawing of the model graph: its source shared for /graph.svg (the server
        process renders it), announced to the pages."""
        self.session.share("graph", (step, source))
        self.session.publish("graph", step=step)

    @property
    def url(self) -> str:
        return self.server.url

    def banner(self) -> str:
        """What to print at start: the URL with its token, and any warning."""
        return "\n".join(self.server.banner("live view"))

    def between_steps(self, interrupted: Callable[[], bool]) -> bool:
        """The trainer's `stop` question: wait while paused, apply a new learning rate; True to
        stop."""
        if self.session.paused:
            self.flush()   # the page shows the step it stopped at
        self.session.wait_for_permission(interrupted)
        lr = self.session.take_new_lr()
        if lr is not None:
            self.trainer.use_constant_lr(lr)
            self.session.publish("lr", step=self.trainer.step, lr=lr)
        return interrupted()

    def close(self) -> None:
        self.flush()
        self.session.publish("finished", step=self.trainer.step)
        self.session.finish()
        self.server.close()


class GraphPicture:
    """The `/graph.svg` route, run by the server process: the latest model graph the trainer
    shared (`extras["graph"]`: its step and Graphviz source) as SVG, rendered once per drawing
    however many pages ask at once (a drawing Graphviz fails on, too: it fails once)."""

    def __init__(self) -> None:
        # the shared drawing, and its SVG or what Graphviz said of it
        self._drawn: tuple[object, bytes | Exception] | None = None

    def __call__(self, feed: EventFeed, query: dict[str, str]) -> tuple[str, bytes]:
        import graphviz

        with _DRAWING:   # pages asking together wait for one rendering, then take it
            shared = feed.extras.get("graph")   # the latest, read once the lock is ours
            if shared is None:
                raise KeyError("no graph drawn yet")
            if self._drawn is None or self._drawn[0] is not shared:
                try:
                    svg: bytes | Exception = graphviz.Source(shared[1]).pipe(format="svg",
                                                                            quiet=True)
                except (graphviz.ExecutableNotFound, graphviz.CalledProcessError) as error:
                    svg = error
                self._drawn = (shared, svg)
            if isinstance(self._drawn[1], Exception):
                raise self._drawn[1].with_traceback(None)
            return "image/svg+xml", self._drawn[1]
