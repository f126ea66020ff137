"""The Jupyter widget: training in the kernel feeds it the same events the live page gets, and its
JavaScript — the live page's own panel, as an ES module — renders them in Chromium at 1280×800
(through a stand-in for the widget's model, as anywidget calls `render({model, el})`)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from models.base import ModelConfig
from models.live.widget import LivePanel
from models.train import DataSettings, Trainer, TrainSettings


def trained_panel(steps: int = 30) -> LivePanel:
    data = DataSettings()
    corpus = data.load()
    config = ModelConfig(model="mlp", vocab_size=len(corpus.vocab), block_size=3, n_embd=4,
                         n_hidden=16)
    trainer = Trainer(config, TrainSettings(steps=steps, eval_every=10, optimizer="sgd", lr=0.1),
                      data, corpus)
    panel = LivePanel()
    panel.train(trainer, steps)
    return panel


def test_training_in_the_kernel_feeds_the_widget() -> None:
    panel = trained_panel()
    kinds = [e["kind"] for e in panel.backlog]
    assert kinds[0] == "hello" and kinds[-1] == "finished"
    steps = [r for e in panel.backlog if e["kind"] == "steps" for r in e["records"]]
    assert [r["step"] for r in steps] == list(range(1, 31))
    assert sum("layers" in e for e in steps) == 4   # steps 1, 10, 20, 30
    assert [e["step"] for e in panel.backlog if e["kind"] == "val"] == [10, 20, 30]
    graphs = [e for e in panel.backlog if e["kind"] == "graph"]   # drawn at most every 10 s
    assert graphs and graphs[0]["step"] == 1 and "<svg" in graphs[0]["svg"]


def test_the_widgets_module_renders_the_panel(browser, tmp_path: Path) -> None:
    panel = trained_panel()
    page = tmp_path / "widget.html"
    page.write_text(f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="icon" href="data:,"></head><body><div id="cell" style="width: 1000px"></div>
<script type="module">
const source = {json.dumps(LivePanel._esm)};
const url = URL.createObjectURL(new Blob([source], {{type: 'text/javascript'}}));
const widget = (await import(url)).default;
const backlog = {json.dumps(panel.backlog)};
const model = {{get: function (name) {{ return backlog; }}, on: function () {{}}}};
widget.render({{model: model, el: document.getElementById('cell')}});
document.body.dataset.rendered = 'yes';
</script></body></html>""", encoding="utf-8")
    browser.get_log("browser")   # what earlier tests left in the log is theirs
    browser.get(page.as_uri())
    deadline = time.time() + 10
    while browser.find_element("tag name", "body").get_attribute("data-rendered") != "yes":
        assert time.time() < deadline, browser.get_log("browser")
        time.sleep(0.1)
    time.sleep(0.5)   # a frame for the charts
    assert browser.find_element("id", "step").text == "30"
    assert browser.find_element("id", "status").text == "finished"
    assert int(browser.find_element("id", "loss").get_attribute("data-points")) == 30
    assert not browser.find_element("css selector", ".controls").is_displayed()
    assert browser.find_elements("css selector", "#graph svg")   # the model graph, inline
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    browser.save_screenshot(str(tmp_path / "widget.png"))
