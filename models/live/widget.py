"""The live panel in Jupyter: the same panel as `backproplab train --live`, as a notebook widget
fed by the kernel while training runs there.

Built on anywidget rather than plain ipywidgets: anywidget takes the panel's own JavaScript as a
module and runs it in JupyterLab, Notebook 7, VS Code and Colab alike, with no front-end
extension to build or install; with ipywidgets alone the panel would have to be rebuilt from
stock widgets (or shipped as a compiled lab extension). anywidget is optional (the `jupyter`
extra); without it, `LivePanel` says how to install it.

Training runs in the kernel's own thread, so the page's controls are not shown here (the kernel
cannot read a button press while it computes): interrupt the kernel to stop; the step under way
finishes first, as with the first Ctrl-C of `backproplab train`.
"""

from __future__ import annotations

import json
from typing import Any

from models.live.training import PANEL, RunEvents
from models.metrics import finite as _finite
from models.metrics import step_record

BACKLOG = 3000   # events kept for a view opened later (a re-run notebook, a second output)

try:
    import anywidget
    import traitlets
except ImportError:   # pragma: no cover - the message is the point
    anywidget = None  # type: ignore[assignment]


def _esm() -> str:
    return PANEL.read_text(encoding="utf-8") + """
export default {
  render({ model, el }) {
    const take = mountPanel(el, function () {}, {controls: false});
    model.get('backlog').forEach(take);
    model.on('msg:custom', take);
  }
};
"""


if anywidget is not None:
    class LivePanel(anywidget.AnyWidget):
        """Display it (last line of a cell, or `display(panel)`), then `panel.train(trainer)`."""

        _esm = _esm()
        backlog: traitlets.List[Any] = traitlets.List([]).tag(sync=True)

        def publish(self, kind: str, **payload: Any) -> None:
            # a copy as of now (the trainer's lists go on growing), with JSON's numbers
            event = json.loads(json.dumps({"kind": kind, **_finite(payload)}))
            self.send(event)
            self._events = [*getattr(self, "_events", [])[-BACKLOG:], event]
            if kind != "steps" or len(self._events) % 20 == 0:   # syncing is costly: now and then
                self.backlog = list(self._events)

        def train(self, trainer: Any, steps: int, diagnostics_every: int = 10) -> Any:
            """Train `trainer` up to step `steps`, showing every step here; returns the trainer.
            An interrupt (the kernel's stop button) ends training between two steps, as the
            first Ctrl-C does on the command line."""
            from models.cli.training import ctrl_c_stops_between_steps

            events = RunEvents(trainer, self.publish)
            trainer.diagnostics_every = diagnostics_every
            trainer.graph_seconds = 10.0

            def report(t: Any, loss: float, tokens_per_second: float) -> None:
                events.stepped(*step_record(t, loss))

            with ctrl_c_stops_between_steps() as stop_requested:
                trainer.run(steps, report, lambda t, val: events.validated(t.step, val),
                            stop=stop_requested)
            events.flush()
            self.publish("finished", step=trainer.step)
            return trainer
else:
    class LivePanel:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("LivePanel needs anywidget: pip install 'backproplab[jupyter]' "
                              "(or pip install anywidget)")
