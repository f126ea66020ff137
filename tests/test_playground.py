"""The playground's page tells the truth: each edge of the network is the engine's own weight
(its sign as colour, its size as width, the legend's largest |w| the largest there is), and a
neuron's graph opens collapsed by layer, writes ∂(neuron)/∂x, and says so when every gradient
is 0 (a dead ReLU) instead of drawing a scale."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from autograd import Scalar
from models.live.playground import Playground
from tests.test_live import ROOT, interruptible, next_frame, steady, stop, wait_for


def page_data(page: str) -> dict:
    start = page.rindex('{"title"', 0, page.index('"views"'))
    return json.JSONDecoder().raw_decode(page[start:].replace("<\\/", "</"))[0]


@contextmanager
def playground(toy: str, browser: Any) -> Iterator[str]:
    """`backproplab live --toy TOY` running; its address. On the way out the browser leaves the
    page (closing its event stream), then Ctrl-C ends the playground (status 130)."""
    process = subprocess.Popen([sys.executable, "-m", "models", "live", "--toy", toy], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               preexec_fn=interruptible)
    try:
        assert process.stdout is not None
        found = re.search(r"(http://127\.0\.0\.1:\d+/\?token=[\w-]+)$", process.stdout.readline().strip())
        assert found, process.stderr.read() if process.stderr else ""
        yield found.group(1)
    finally:
        browser.get("about:blank")
        assert stop(process) == 130


def test_each_edge_is_the_engines_weight(browser) -> None:
    with playground("xor", browser) as url:
        browser.get(url)
        wait_for(lambda: int(browser.find_element("id", "network").get_attribute("data-step")) >= 1,
                 what="the first step's weights")
        browser.find_element("id", "pause").click()
        wait_for(lambda: browser.find_element("id", "status").text == "paused", what="paused")
        wait_for(lambda: steady(lambda: browser.find_element("id", "network").get_attribute(
            "data-step")), what="the step under way to arrive")
        next_frame(browser)
        step, edges, largest = browser.execute_script(   # read together: one step's drawing
            "return [+document.getElementById('network').getAttribute('data-step'),"
            " [...document.querySelectorAll('#network line')].map(e => [e.textContent,"
            " e.getAttribute('stroke'), +e.getAttribute('stroke-width')]),"
            " +document.getElementById('largest-weight').textContent];")
    engine = Playground("xor")   # the same seed: the run's weights, step by step
    for _ in range(step):
        engine.train_step()
    weights = {f"L{depth}.n{j}.w{i}": w.data for depth, layer in enumerate(engine.model.layers, 1)
               for j, (ws, _) in enumerate(layer) for i, w in enumerate(ws)}
    assert len(edges) == len(weights) == 2 * 16 + 16 * 16 + 16
    top = max(abs(w) for w in weights.values())
    assert largest == float(f"{top:.3g}")
    for title, stroke, width in edges:
        name, shown = title.split(" = ")
        w = weights[name]
        assert float(shown) == round(w, 4)
        assert stroke == ("#1f77b4" if w > 0 else "#d62728")
        assert width == round(0.3 + 3.2 * abs(round(w, 4)) / top, 2) or abs(
            width - (0.3 + 3.2 * abs(w) / top)) < 0.02


def test_a_neurons_graph_opens_by_layer_and_names_its_root() -> None:
    playground = Playground("moons")
    data = page_data(playground.neuron_page(2, 5))
    hidden = data["views"]["start"]["hidden"]   # layer 1 is one collapsed node at the start
    assert set(hidden.values()) == {"m_L1"} and len(hidden) > 16 * 4
    assert data["views"]["L1"]["opened"] == ["L1"]
    lines = [line for step in data["steps"] for line in step["lines"]]
    assert any(line.startswith("∂(L2.n5)/∂") for line in lines)
    assert not any("∂L/∂" in line for line in lines)


def test_a_dead_neurons_page_says_every_gradient_is_zero(browser, tmp_path: Path) -> None:
    playground = Playground("moons")
    point = [Scalar(float(v)) for v in playground.points[0]]
    dead = [j for j in range(16) if playground.model.forward(point, upto=(1, j)).data == 0]
    assert dead, "no dead neuron in layer 1 (the test needs one)"
    page = playground.neuron_page(1, dead[0])
    data = page_data(page)
    assert data["scale"] == [0.0, 0.0]
    path = tmp_path / "dead.html"
    path.write_text(page, encoding="utf-8")
    browser.get(f"{path.as_uri()}#step={len(data['steps'])}")   # the pass done: every edge painted
    time.sleep(0.5)
    assert browser.find_element("id", "legend").text == "every gradient the gates send is 0 (grey)"
    colours = browser.execute_script(
        "return [...document.querySelectorAll('g.edge path')].map(p => p.getAttribute('stroke'));")
    painted = [c for c in colours if c != "black"]   # not: the inputs x0, x1 take no gradient
    assert "#999" in painted and set(painted) <= {"#999", "rgb(178,24,43)"}   # 0; the root's 1
    np.testing.assert_equal(playground.model.forward(point, upto=(1, dead[0])).data, 0.0)
