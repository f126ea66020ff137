"""`backproplab live --toy …`: the playground served — its page, each step's loss, accuracy,
boundary and weights as events, and a neuron's explorer page when the page asks for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from models.live.feed import EventFeed
from models.live.playground import GRID, Playground, neuron_page
from models.live.scalar_mlp import WIDTHS
from models.live.server import LiveServer
from models.live.session import LiveSession

PAGE = Path(__file__).with_name("playground.html")
_MAKING = threading.Lock()   # one neuron page at a time: each costs seconds of the engine's time


class NeuronPages:
    """The `/neuron` route, run by the server process: a neuron's explorer page, made from the
    snapshot the training shares at each step (`extras["playground"]`, see
    `Playground.snapshot`) and kept for that step. The training never waits for a page."""

    def __init__(self) -> None:
        self._pages: dict[tuple[int, int, int], bytes] = {}

    def __call__(self, feed: EventFeed, fields: dict[str, str]) -> tuple[str, bytes]:
        layer, neuron = _whole_number(fields, "layer"), _whole_number(fields, "neuron")
        if "playground" not in feed.extras:
            raise KeyError("no step taken yet")
        with _MAKING:   # a second ask for the same page waits, then takes it
            step, point, weights = feed.extras["playground"]
            key = (step, layer, neuron)
            if key not in self._pages:
                self._pages = {k: v for k, v in self._pages.items() if k[0] == step}
                self._pages[key] = neuron_page(step, point, weights, layer, neuron).encode()
            return "text/html; charset=utf-8", self._pages[key]


def _whole_number(fields: dict[str, str], name: str) -> int:
    text = fields.get(name, "")
    if not (text.isdigit() and len(text) <= 3):
        raise ValueError(f"{name} must be a small whole number, got {text[:20]!r}")
    return int(text)


def run_playground(toy: str, host: str = "127.0.0.1", port: int = 0, steps: int = 0,
                   interval: float = 0.0, read_only: bool = False) -> int:
    """Serve the playground and train until `steps` (0: until Ctrl-C)."""
    playground = Playground(toy)
    session = LiveSession()
    server = LiveServer(session, PAGE.read_text(encoding="utf-8"), host, port,
                        post_routes={"/neuron": NeuronPages()}, read_only=read_only)
    session.publish("hello", toy=toy, widths=list(WIDTHS), grid=GRID,
                    points=np.round(playground.points, 4).tolist(),
                    labels=playground.labels.astype(int).tolist())
    print("\n".join(server.banner(f"playground ({toy})")), flush=True)
    try:
        while not steps or playground.step < steps:
            session.share("playground", playground.snapshot())   # what a click now shows
            session.wait_for_permission(lambda: False)
            loss, accuracy = playground.train_step()
            session.publish("step", step=playground.step, loss=loss, accuracy=accuracy,
                            **({"boundary": playground.boundary(), "weights": playground.model.weights()}
                               if playground.step % 2 == 0 or playground.step < 5 else {}))
            if interval:
                time.sleep(interval)
    except KeyboardInterrupt:
        print(f"\nstopped at step {playground.step}")
        return 130
    finally:
        session.finish()
        server.close()
    return 0
