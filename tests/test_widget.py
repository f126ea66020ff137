"""The Jupyter widget: training in the kernel feeds it the same events the live page gets, and its
JavaScript — the live page's own panel, as an ES module — renders them in Chromium at 1280×800
(through a stand-in for the widget's model, as anywidget calls `render({model, el})`: `get` reads
the synced state, `on('change:backlog')` and `on('msg:custom')` deliver what the kernel sends)."""

from __future__ import annotations

import json
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from models.base import ModelConfig
from models.live.widget import LivePanel, static_view, summary
from models.train import DataSettings, Trainer, TrainSettings
from tests.test_live import next_frame

DATA = DataSettings()


def trainer_of(model: str, steps: int, **settings: Any) -> Trainer:
    corpus = DATA.load()
    sizes = {"mlp": {"block_size": 3, "n_embd": 4, "n_hidden": 16},
             "rnn": {"block_size": 16, "n_embd": 8, "n_hidden": 16}}[model]
    config = ModelConfig(model=model, vocab_size=len(corpus.vocab), **sizes)
    return Trainer(config, TrainSettings(steps=steps, eval_every=10, **settings), DATA, corpus)


class Recorded:
    """A panel whose messages to the front end are kept, in order, as a notebook would get them."""

    def __init__(self) -> None:
        self.panel = LivePanel()
        self.sent: list[dict[str, Any]] = []
        self.panel.send = lambda message, buffers=None: self.sent.append(message)  # type: ignore[method-assign]


def trained_panel(steps: int = 30) -> LivePanel:
    panel = LivePanel()
    panel.train(trainer_of("mlp", steps, optimizer="sgd", lr=0.1), steps)
    return panel


def test_training_in_the_kernel_feeds_the_widget() -> None:
    panel = trained_panel()
    kinds = [e["kind"] for e in panel.backlog]
    assert kinds[0] == "hello" and kinds[-1] == "finished"
    assert [e["n"] for e in panel.backlog] == sorted({e["n"] for e in panel.backlog})  # numbered
    steps = [r for e in panel.backlog if e["kind"] == "steps" for r in e["records"]]
    assert [r["step"] for r in steps] == list(range(1, 31))
    assert sum("layers" in e for e in steps) == 4   # steps 1, 10, 20, 30
    assert [e["step"] for e in panel.backlog if e["kind"] == "val"] == [10, 20, 30]
    graphs = [e for e in panel.backlog if e["kind"] == "graph"]   # only the latest is kept
    assert len(graphs) == 1 and "<svg" in graphs[0]["svg"]


def page(tmp_path: Path, name: str, script: str) -> Path:
    path = tmp_path / f"{name}.html"
    path.write_text(f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="icon" href="data:,"></head><body><div id="cell" style="width: 1000px"></div>
<script type="module">
const source = {json.dumps(LivePanel._esm)};
const url = URL.createObjectURL(new Blob([source], {{type: 'text/javascript'}}));
const widget = (await import(url)).default;
{script}
document.body.dataset.rendered = 'yes';
</script></body></html>""", encoding="utf-8")
    return path


def rendered_as(recorded: Recorded, state_at_render: int, lost: int) -> str:
    """The stand-in model's script: the view is rendered when the synced backlog holds its first
    `state_at_render` events, the first `lost` messages came before it listened (they are lost),
    the rest arrive, then the final state is synced."""
    return f"""
const sent = {json.dumps(recorded.sent)}, final = {json.dumps(recorded.panel.backlog)};
const listeners = {{}};
let backlog = final.slice(0, {state_at_render});
const model = {{get: function () {{ return backlog; }},
  on: function (name, f) {{ (listeners[name] = listeners[name] || []).push(f); }},
  off: function () {{}}}};
widget.render({{model: model, el: document.getElementById('cell')}});
sent.slice({lost}).forEach(function (m) {{ listeners['msg:custom'].forEach(function (f) {{ f(m); }}); }});
backlog = final;
listeners['change:backlog'].forEach(function (f) {{ f(); }});
"""


def open_page(browser: Any, path: Path) -> None:
    browser.get_log("browser")   # what earlier tests left in the log is theirs
    browser.get(path.as_uri())
    deadline = time.monotonic() + 10
    while browser.find_element("tag name", "body").get_attribute("data-rendered") != "yes":
        assert time.monotonic() < deadline, browser.get_log("browser")
        time.sleep(0.1)
    next_frame(browser)   # the charts draw on the next frame


def shown(browser: Any) -> dict[str, Any]:
    """What the panel shows, read from its elements."""
    count = lambda selector: len(browser.find_elements("css selector", selector))  # noqa: E731
    xs = browser.execute_script(
        "const line = document.querySelector('#loss polyline');"
        "return line ? line.getAttribute('points').split(' ').map(p => +p.split(',')[0]) : [];")
    return {"step": browser.find_element("id", "step").text,
            "total": browser.find_element("id", "total").text,
            "status": browser.find_element("id", "status").text,
            "points": int(browser.find_element("id", "loss").get_attribute("data-points")),
            "forward": all(b > a for a, b in pairwise(xs)),   # one curve, no replay
            "norms": count("#norms polyline"), "ratios": count("#ratios polyline"),
            "histograms": count("#histograms svg"), "table": count("#table rect"),
            "labels": [t.text for t in browser.find_elements("css selector", "#embedding text")],
            "samples": count("#samples li"), "graph": count("#graph svg"),
            "errors": [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]}


def assert_whole_run(view: dict[str, Any], steps: int) -> None:
    assert (view["step"], view["total"], view["status"]) == (str(steps), str(steps), "finished")
    assert view["points"] == steps and view["forward"]
    for panel in ("norms", "ratios", "histograms", "table", "samples", "graph"):
        assert view[panel] > 0, f"the {panel} panel is empty"
    assert "a" in view["labels"] and "0" not in view["labels"]   # the characters, not indices
    assert view["errors"] == []


def test_a_view_rendered_late_shows_the_whole_run(browser, tmp_path: Path) -> None:
    """Shown and trained in one cell: the view renders after training began, its first
    messages lost; the synced state fills in what it missed, with no step shown twice."""
    recorded = Recorded()
    recorded.panel.train(trainer_of("mlp", 30, optimizer="sgd", lr=0.1), 30)
    open_page(browser, page(tmp_path, "late", rendered_as(recorded, 0, lost=3)))
    assert_whole_run(shown(browser), 30)
    browser.save_screenshot(str(tmp_path / "late.png"))


def test_the_truncated_bptt_rnn_fills_every_panel(browser, tmp_path: Path) -> None:
    recorded = Recorded()
    recorded.panel.train(trainer_of("rnn", 20, optimizer="adamw", lr=3e-3, bptt=8), 20)
    open_page(browser, page(tmp_path, "rnn", rendered_as(recorded, 2, lost=5)))
    assert_whole_run(shown(browser), 20)
    browser.execute_script("document.getElementById('histograms').scrollIntoView()")
    browser.save_screenshot(str(tmp_path / "rnn.png"))


def test_training_on_continues_the_count_and_the_curve(browser, tmp_path: Path) -> None:
    recorded = Recorded()
    trainer = trainer_of("mlp", 15, optimizer="sgd", lr=0.1)
    recorded.panel.train(trainer, 15)
    recorded.panel.train(trainer, 25)
    assert trainer.step == 25
    live = rendered_as(recorded, 0, lost=0)   # a view that saw every message
    open_page(browser, page(tmp_path, "on", live))
    assert_whole_run(shown(browser), 25)
    later = "widget.render({model: {get: () => " + json.dumps(recorded.panel.backlog) + \
        ", on: function () {}, off: function () {}}, el: document.getElementById('cell')});"
    open_page(browser, page(tmp_path, "reopened", later))   # a view opened after both calls
    assert_whole_run(shown(browser), 25)


def test_the_saved_static_view_shows_the_last_state(browser, tmp_path: Path) -> None:
    panel = LivePanel()
    trainer = panel.train(trainer_of("mlp", 30, optimizer="sgd", lr=0.1), 30)
    events = list(panel.backlog)
    line = summary(events)
    assert line.startswith(f"mlp, {trainer.model.num_parameters():,} parameters: step 30 of 30")
    assert f"training loss {trainer.history[-1]:.4f}" in line
    assert f"validation loss {trainer.validation[-1][1]:.4f} at step 30" in line
    saved = tmp_path / "static.html"
    saved.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='icon' "
                     "href='data:,'></head><body><div style='width: 1000px'>"
                     f"{static_view(events, line)}</div><script>document.body.dataset.rendered"
                     " = 'yes';</script></body></html>", encoding="utf-8")
    open_page(browser, saved)
    assert_whole_run(shown(browser), 30)
    assert line in static_view(events, line)   # what shows where scripts do not run
