"""The live panel in Jupyter: the same panel as `backproplab train --live`, as a notebook widget
fed by the kernel while training runs there.

Built on anywidget rather than plain ipywidgets: anywidget takes the panel's own JavaScript as a
module and runs it in JupyterLab, Notebook 7, VS Code and Colab alike, with no front-end
extension to build or install; with ipywidgets alone the panel would have to be rebuilt from
stock widgets (or shipped as a compiled lab extension). anywidget is optional (the `jupyter`
extra); without it, `LivePanel` says how to install it.

**The run is state, not only messages.** Every event is numbered and kept in the synced trait
`backlog` (synced at once for all but step batches, and those every `SYNC_SECONDS`); a message
carries each event as it happens. A view reads the backlog when it is rendered and takes only
events numbered after the last it showed, from messages or from the next sync, so a view
rendered late (training started in the same cell, Run All) or twice shows the whole run once.

**Across `train` calls** the step count is the target of the current call and the curve goes
on: the panel keeps what it shows and takes, from the next call's greeting, only later steps.

**Saved with the notebook.** When `train` returns, the panel's output (displayed with a display
id) becomes a static copy of its last view: HTML that runs the same panel script on the run's
events, with a one-line summary for front ends that show HTML without running scripts (an
untrusted notebook, GitHub). A later `train` brings the live widget back. So a notebook saved
after training and reopened without a kernel shows the last view, not "model not found".

Training runs in the kernel's own thread, so the page's controls are not shown here (the kernel
cannot read a button press while it computes): interrupt the kernel to stop; the step under way
finishes first, as with the first Ctrl-C of `backproplab train`.
"""

from __future__ import annotations

import html
import json
import time
import uuid
from typing import Any

from models.diagnostics import Diagnostics
from models.live.training import PANEL, RunEvents
from models.metrics import finite as _finite
from models.stopping import ctrl_c_stops_between_steps
from models.train import Trainer

SYNC_SECONDS = 2.0   # step batches reach the synced backlog at most this often (it is resent whole)

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
    let seen = 0;                 // the number of the last event shown
    const early = new Map();      // messages that came before the state preceding them
    function show(event) { take(event); seen = event.n; }
    function drain() {
      while (early.has(seen + 1)) { const event = early.get(seen + 1); early.delete(seen + 1); show(event); }
    }
    function catchUp() {
      model.get('backlog').forEach(function (event) { if (event.n > seen) show(event); });
      early.forEach(function (event, n) { if (n <= seen) early.delete(n); });
      drain();
    }
    function message(event) {
      if (event.n === seen + 1) { show(event); drain(); } else if (event.n > seen) early.set(event.n, event);
    }
    catchUp();
    model.on('change:backlog', catchUp);
    model.on('msg:custom', message);
    return function () { model.off('change:backlog', catchUp); model.off('msg:custom', message); };
  }
};
"""


PICTURES = ("embedding_table", "embedding", "attention")   # a step's, beside its numbers
HISTOGRAMS = ("histogram", "grad_histogram")                 # an activation's


def _pictures(record: dict[str, Any]) -> bool:
    return any(k in record for k in PICTURES) or any(
        k in a for a in record.get("activations", {}).values() for k in HISTOGRAMS)


def _drop_pictures(events: list[dict[str, Any]]) -> None:
    """Take the pictures out of the steps kept so far (a later step brings newer ones)."""
    for event in events:
        for record in event.get("records", ()):
            for key in PICTURES:
                record.pop(key, None)
            for activation in record.get("activations", {}).values():
                for key in HISTOGRAMS:
                    activation.pop(key, None)


def static_view(events: list[dict[str, Any]], summary: str) -> str:
    """The panel's last view as HTML of its own: the panel script replayed on `events`, in
    place of a one-line `summary` that shows where scripts do not run."""
    data = json.dumps(events, separators=(",", ":")).replace("</", "<\\/")
    return (f'<div class="bpl-static"><p>{html.escape(summary)}</p></div>\n<script>\n'
            "(function () {\nconst root = document.currentScript.previousElementSibling;\n"
            + PANEL.read_text(encoding="utf-8")
            + f"\nconst take = mountPanel(root, function () {{}}, {{controls: false}});\n"
            f"{data}.forEach(take);\n}})();\n</script>")


def summary(events: list[dict[str, Any]]) -> str:
    """One line on where the run stands: model, step of steps, last losses."""
    hello = next((e for e in reversed(events) if e["kind"] == "hello"), None)
    if hello is None:
        return "backproplab live panel (no training yet)"
    steps = [r for e in events if e["kind"] == "steps" for r in e["records"]]
    step = steps[-1]["step"] if steps else hello["start"]
    line = f"{hello['model']}, {hello['parameters']:,} parameters: step {step} of {hello['steps']}"
    if steps and steps[-1]["loss"] is not None:
        line += f", training loss {steps[-1]['loss']:.4f}"
    validations = [e for e in events if e["kind"] == "val"]
    if validations and validations[-1]["val_loss"] is not None:
        line += f", validation loss {validations[-1]['val_loss']:.4f} at step {validations[-1]['step']}"
    return line


if anywidget is not None:
    class LivePanel(anywidget.AnyWidget):
        """Display it (last line of a cell, or `display(panel)`), then `panel.train(trainer)`."""

        _esm = _esm()
        backlog: traitlets.List[Any] = traitlets.List([]).tag(sync=True)

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._events: list[dict[str, Any]] = []
            self._serial = 0
            self._synced_at = 0.0
            self._display_id = uuid.uuid4().hex
            self._static = False   # whether the outputs show the static view
            self._displayed = False

        def publish(self, kind: str, **payload: Any) -> None:
            """Number the event, send it, and keep it in the backlog (a graph, or a step's
            pictures, replace those before: the panel shows only the latest)."""
            self._serial += 1
            # a copy as of now (the trainer's lists go on growing), with JSON's numbers
            event = json.loads(json.dumps({"kind": kind, "n": self._serial, **_finite(payload)}))
            if kind == "graph":
                self._events = [e for e in self._events if e["kind"] != "graph"]
            elif kind == "steps" and any(_pictures(r) for r in event["records"]):
                _drop_pictures(self._events)
            self._events.append(event)
            self.send(event)
            if kind != "steps" or time.monotonic() - self._synced_at >= SYNC_SECONDS:
                self.backlog = list(self._events)
                self._synced_at = time.monotonic()

        def _ipython_display_(self) -> None:
            from IPython.display import display

            self._displayed = True
            display(self._bundle(), raw=True, display_id=self._display_id)

        def _bundle(self) -> dict[str, Any]:
            if self._static:
                return {"text/plain": summary(self._events),
                        "text/html": static_view(self._events, summary(self._events))}
            data = self._repr_mimebundle_()
            assert data is not None   # the panel has a view
            return data[0] if isinstance(data, tuple) else data

        def _show(self, static: bool) -> None:
            from IPython.display import update_display

            if static != self._static:
                self._static = static
                if self._displayed:
                    update_display(self._bundle(), raw=True, display_id=self._display_id)

        def train(self, trainer: Trainer, steps: int, diagnostics_every: int = 10) -> Trainer:
            """Train `trainer` up to step `steps`, showing every step here; returns the trainer.
            An interrupt (the kernel's stop button) ends training between two steps, as the
            first Ctrl-C does on the command line."""
            self._show(static=False)
            diagnostics = Diagnostics(diagnostics_every, graph_seconds=10.0)
            events = RunEvents(trainer, self.publish, steps=steps, diagnostics=diagnostics)
            try:
                with ctrl_c_stops_between_steps() as stop_requested, \
                        trainer.watched_by(diagnostics, events):
                    trainer.run(steps, stop=stop_requested)
            finally:
                events.flush()
                self.publish("finished", step=trainer.step)
                self._show(static=True)
            return trainer
else:
    class LivePanel:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError("LivePanel needs anywidget: pip install 'backproplab[jupyter]' "
                              "(or pip install anywidget)")
