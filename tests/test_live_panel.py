"""The live panel names the right layer: a real `train --live` of a small Transformer in Chromium
at 1280×800, checked against what the run itself wrote to metrics.jsonl — every series of every
chart its own colour-and-dash pair and a visible legend entry drawn alike, hover naming the
series with the engine's number, picture panels of one step each, attention maps by block and
head with the sequence's characters, ticks inside their charts, samples from step 50; and the
panel's styles stay inside it on a host page."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains

from models.checkpoint import load
from models.data import Vocabulary
from models.live.training import PANEL
from models.metrics import read_metrics
from tests.test_live import next_frame, start_live_run, stop, wait_for

TINY = ("--n-layer", "2", "--n-head", "2", "--n-embd", "16", "--block-size", "8",
        "--positions", "learned", "--diagnostics-every", "5", "--batch-size", "8")

SERIES_JS = """
const out = {};
for (const id of ['loss', 'norms', 'ratios']) {
  const svg = document.getElementById(id), legend = document.getElementById(id + '-legend');
  const box = legend.getBoundingClientRect();
  out[id] = {overflow: legend.scrollHeight > legend.clientHeight + 1 ||
                       legend.scrollWidth > legend.clientWidth + 1, series: {}};
  for (const line of svg.querySelectorAll('polyline')) {
    const entry = legend.querySelector('td[data-series="' + line.dataset.series + '"]');
    const swatch = entry && entry.querySelector('line'), r = entry && entry.getBoundingClientRect();
    out[id].series[line.dataset.series] = {
      colour: line.getAttribute('stroke'), dash: line.getAttribute('stroke-dasharray') || '',
      points: line.getAttribute('points').trim().split(' ').map(p => p.split(',').map(Number)),
      swatch: swatch && [swatch.getAttribute('stroke'), swatch.getAttribute('stroke-dasharray') || ''],
      visible: !!r && r.width > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 &&
               r.right <= innerWidth && r.top >= box.top && r.bottom <= box.bottom};
  }
  const frame = svg.getBoundingClientRect();
  out[id].clipped = [...svg.querySelectorAll('text')].filter(t => {
    const b = t.getBoundingClientRect();
    return b.left < frame.left - 0.5 || b.right > frame.right + 0.5; }).map(t => t.textContent);
}
return out;
"""


def test_the_live_transformer_names_every_series_as_the_run_recorded_it(browser,
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "run"
    process, url = start_live_run(out, *TINY, model="transformer", eval_every=500)
    try:
        browser.get_log("browser")
        browser.get(url)
        wait_for(lambda: browser.find_element("id", "right-title").text == "samples at step 50",
                 what="the first samples, at step 50 although --eval-every is 500")
        wait_for(lambda: browser.find_elements("css selector", "#heads figure"), what="attention")
        browser.find_element("id", "pause").click()
        wait_for(lambda: browser.find_element("id", "status").text == "paused", what="paused")
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
        assert stop(process) == 130   # paused, so the page holds every step the log will
        # "finished" comes after the run's last steps: once it is shown, they have all arrived
        wait_for(lambda: browser.find_element("id", "status").text == "finished", what="finished")
        next_frame(browser)
        records = read_metrics(out / "metrics.jsonl")
        assert int(browser.find_element("id", "step").text) == records[-1]["step"]
        shown = browser.execute_script(SERIES_JS)
        check_series(shown, records)
        check_hover(browser, shown, records)
        check_pictures(browser, records, Vocabulary.from_json(load(out)["vocab"]))
    finally:
        browser.get("about:blank")
        if process.poll() is None:
            stop(process)


def check_series(shown: dict, records: list[dict]) -> None:
    layers = [r for r in records if "layers" in r]
    names = set(layers[-1]["layers"])   # the engine's side: the weight matrices it measured
    assert {"tokens", "positions", "head", "blocks.1.attn.qkv"} <= names
    assert set(shown["loss"]["series"]) == {"training", "validation"}
    assert set(shown["norms"]["series"]) == names
    assert set(shown["ratios"]["series"]) == names
    for chart, drawn in shown.items():
        pairs = [(s["colour"], s["dash"]) for s in drawn["series"].values()]
        assert len(set(pairs)) == len(pairs), (chart, pairs)
        assert not drawn["overflow"], f"{chart}: the legend scrolls"
        assert drawn["clipped"] == [], f"{chart}: tick labels cut at the edge"
        for name, s in drawn["series"].items():
            assert s["visible"], f"{chart}: no visible legend entry for {name}"
            assert s["swatch"] == [s["colour"], s["dash"]], f"{chart}: {name}'s entry differs"
    for name in names:   # a point per step the engine measured
        assert len(shown["norms"]["series"][name]["points"]) == len(layers)
    # the line lowest at the last step is the layer with the smallest ‖∂L/∂W‖ there
    last = len(layers) - 1
    smallest = min(names, key=lambda n: layers[last]["layers"][n]["grad_norm"])
    lowest = max(names, key=lambda n: shown["norms"]["series"][n]["points"][last][1])
    assert lowest == smallest


def check_hover(browser, shown: dict, records: list[dict]) -> None:
    layers = [r for r in records if "layers" in r]
    series = shown["norms"]["series"]
    for name in ("tokens", "blocks.0.ffn.up"):
        # the recorded step where this line lies farthest from every other: a point only it owns
        def room(k: int, name: str = name) -> float:
            return min(abs(points["points"][k][1] - series[name]["points"][k][1])
                       for other, points in series.items() if other != name)
        last = max(range(len(layers)), key=room)
        x, y = series[name]["points"][last]
        svg = browser.find_element("id", "norms")
        size = svg.size
        ActionChains(browser).move_to_element_with_offset(
            svg, round(x - size["width"] / 2), round(y - size["height"] / 2)).perform()
        tip = browser.find_element("css selector", "#norms ~ .tip")
        value = layers[last]["layers"][name]["grad_norm"]
        named, number = tip.text.split(": ")
        assert named == f"{name} — step {layers[last]['step']}"
        assert float(number) == float(f"{value:.3g}")   # the engine's number, to 3 digits


def check_pictures(browser, records: list[dict], vocab: Vocabulary) -> None:
    title = browser.find_element("id", "hist-title").text
    step = int(title.rsplit(" ", 1)[1])
    record = next(r for r in records if r["step"] == step)   # a step the engine logged
    for cell in browser.find_elements("css selector", "#histograms .title"):
        name, share = cell.text.split(" — saturated ")
        assert share == f"{100 * record['activations'][name]['saturation']:.1f} %"   # that step's
    first = browser.find_element("css selector", "#histograms > div")
    name = first.find_element("class name", "title").text.split(" — ")[0]
    heights = [float(r.get_attribute("height"))
               for r in first.find_elements("css selector", "svg")[0].find_elements("tag name", "rect")]
    counts = record["activations"][name]["histogram"]["counts"]   # bar height ∝ log10(1 + count)
    assert heights == pytest.approx([64 * math.log10(1 + c) / math.log10(1 + max(counts))
                                     for c in counts], abs=1e-6)
    assert browser.find_element("id", "embedding-title").text.endswith(f"at step {step}")
    blocks = [b.text for b in browser.find_elements("css selector", "#blocks button")]
    assert blocks == [p.removesuffix(".attn") for p in record["attention"]] == ["blocks.0",
                                                                                "blocks.1"]
    figures = browser.find_elements("css selector", "#heads figure")
    assert [f.find_element("tag name", "figcaption").text for f in figures] == [
        "blocks.1 head 1", "blocks.1 head 2"]
    characters = [vocab.tokens[t] if t != vocab.boundary else "·" for t in record["attention_tokens"]]
    texts = [t.text for t in figures[0].find_elements("css selector", "svg text")]
    assert texts[0::2] == characters and texts[1::2] == characters   # keys above, queries left
    val = [r["step"] for r in records if "val_loss" in r]
    assert val[0] == 50


HOST = """<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
</head><body><p><input id="outside" value="the host's"></p><div id="cell"></div>
<script>PANEL
const style = function (n) { const s = getComputedStyle(n);
  return [s.padding, s.font, s.boxSizing, s.margin, s.background].join(' | '); };
const before = [style(document.getElementById('outside')), style(document.body)];
mountPanel(document.getElementById('cell'), function () {}, {controls: true});
document.body.dataset.styles = JSON.stringify({before: before,
  after: [style(document.getElementById('outside')), style(document.body)],
  inside: style(document.querySelector('#cell #lr'))});
</script></body></html>"""


def test_the_panels_styles_stay_inside_it(browser, tmp_path: Path) -> None:
    page = tmp_path / "host.html"
    page.write_text(HOST.replace("PANEL", PANEL.read_text(encoding="utf-8")), encoding="utf-8")
    browser.get(page.as_uri())
    styles = json.loads(wait_for(
        lambda: browser.find_element("tag name", "body").get_attribute("data-styles"),
        what="the panel mounted"))
    assert styles["after"] == styles["before"], "the panel restyled its host page"
    assert styles["inside"].startswith("3px 4px"), styles["inside"]   # its own input is styled


@pytest.mark.parametrize("eval_every, expected", [(500, [50, 60]), (20, [20, 40, 60]),
                                                  (50, [50, 60])])
def test_the_first_validation_comes_at_step_50(eval_every: int, expected: list[int]) -> None:
    from models.base import ModelConfig
    from models.train import DataSettings, Trainer, TrainSettings

    corpus = DataSettings().load()
    config = ModelConfig(model="mlp", vocab_size=len(corpus.vocab), block_size=3, n_embd=2,
                         n_hidden=4)
    trainer = Trainer(config, TrainSettings(steps=60, batch_size=4, eval_every=eval_every,
                                            eval_limit=8), DataSettings(), corpus)
    trainer.run(60)
    assert [step for step, _ in trainer.validation] == expected
