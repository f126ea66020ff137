"""The explorer at model scale, in a real headless Chromium at a 1280×800 viewport: every step of
the pages `backproplab step --html` makes for the four models and four worked examples (two of
them graphs of gradients: Newton's method and a Hessian-vector product) shows its
current gate inside the viewport with a legible label, and the page is quick and error-free."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from models.cli import main

PAGES = [("--model", "mlp"), ("--model", "cnn"), ("--model", "rnn"), ("--model", "transformer"),
         ("--example", "neuron"), ("--example", "xor"), ("--example", "newton"),
         ("--example", "hvp")]

# the start view: every node label's box, and every control's (what could cover a label)
START_VIEW = """
const graph = document.querySelector('#graph svg').getBoundingClientRect();
const box = r => [r.left, r.top, r.right, r.bottom];
return {graph: box(graph),
        labels: Array.from(document.querySelectorAll('#graph svg g.node')).map(
          g => box(g.querySelector('text').getBoundingClientRect())),
        controls: Array.from(document.querySelectorAll('button, input, select, #zoombar, #panel'))
          .filter(e => e.offsetParent !== null).map(e => box(e.getBoundingClientRect()))};
"""

# → pressed through the whole pass (a key event per step, as the keyboard sends it); per step
# what is highlighted and where its label is
EVERY_STEP = """
const total = JSON.parse(document.getElementById('trace').textContent).steps.length;
const graph = document.querySelector('#graph svg').getBoundingClientRect();
const seen = [];
for (let k = 1; k <= total; k++) {
  if (k > 1) document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
  const gates = document.querySelectorAll('g.node.current');
  const text = gates.length === 1 ? gates[0].querySelector('text').getBoundingClientRect() : null;
  seen.push({count: gates.length, counter: document.getElementById('counter').textContent,
             node: gates.length === 1 ? gates[0].querySelector('title').textContent : null,
             label: text ? [text.left, text.top, text.right, text.bottom] : null});
}
return {total: total, graph: [graph.left, graph.top, graph.right, graph.bottom], steps: seen,
        viewport: [window.innerWidth, window.innerHeight]};
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """`backproplab step ARGS --html` once per ARGS for this file's tests (a page is only read)."""
    built: dict[tuple[str, ...], Path] = {}

    def page(*args: str) -> Path:
        if args not in built:
            built[args] = tmp_path_factory.mktemp("pages") / "page.html"
            assert main(["step", *args, "--html", str(built[args])]) == 0
        return built[args]
    return page


def errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def check_start_view(browser, subject: str) -> None:
    """Every node label at least 10 px tall; those in the graph's area under no control, and
    enough of them there to read the graph (all, or at least 8)."""
    view = browser.execute_script(START_VIEW)
    graph = view["graph"]
    heights = [bottom - top for _, top, _, bottom in view["labels"]]
    assert min(heights) >= 10, f"{subject}: a label {min(heights):.1f} px tall"
    shown = [label for label in view["labels"] if overlaps(label, graph)]
    assert len(shown) >= min(8, len(view["labels"])), f"{subject}: {len(shown)} labels in view"
    for label in shown:   # the part of it drawn: the graph's area clips what lies beyond
        drawn = [max(label[0], graph[0]), max(label[1], graph[1]), min(label[2], graph[2]),
                 min(label[3], graph[3])]
        assert not any(overlaps(drawn, control) for control in view["controls"]), \
            f"{subject}: the label at {label} lies under a control"


@pytest.mark.parametrize(("kind", "subject"), PAGES, ids=[s for _, s in PAGES])
def test_every_step_shows_the_current_gate_legibly_inside_the_viewport(kind: str, subject: str,
                                                                       browser, pages) -> None:
    """The start view is legible; then → through the whole pass (follow mode, the default
    where there are modules) highlights a gate, not a collapsed module, on every step, with a
    label at least 12 px tall inside the graph's area."""
    page = pages(kind, subject)
    browser.get_log("browser")   # drop what an earlier page logged
    browser.get(page.as_uri())
    assert browser.execute_script("return [window.innerWidth, window.innerHeight]") == [1280, 800]
    check_start_view(browser, subject)
    browser.find_element("tag name", "body").send_keys("\ue014")   # the right-arrow key
    walk = browser.execute_script(EVERY_STEP)
    total, (left, top, right, bottom) = walk["total"], walk["graph"]
    assert total > 0 and (left, top) >= (0, 0) and right <= 1280 and bottom <= 800
    for k, shown in enumerate(walk["steps"], start=1):
        assert shown["count"] == 1, f"step {k}: {shown}"
        assert shown["counter"] == f"step {k} of {total}"
        assert not shown["node"].startswith("m_"), f"step {k}: a collapsed module {shown}"
        x0, y0, x1, y1 = shown["label"]
        assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, f"step {k}: {shown}"
        assert y1 - y0 >= 12, f"step {k}: label {y1 - y0:.1f} px tall"
    assert errors(browser) == []


def test_the_transformer_page_opens_quickly(browser, pages) -> None:
    page = pages("--model", "transformer")
    start = time.perf_counter()
    browser.get(page.as_uri())   # returns once the page has loaded and its script has run
    assert browser.execute_script("return document.getElementById('counter').textContent") \
        .startswith("step 0 of")
    assert time.perf_counter() - start < 2.0


def test_a_step_is_addressable_in_the_url(browser, pages) -> None:
    page = pages("--example", "neuron")
    browser.get("about:blank")
    browser.get(page.as_uri() + "#step=3")
    assert browser.find_element("id", "counter").text == "step 3 of 5"
    browser.find_element("id", "next").click()
    assert browser.execute_script("return location.hash") == "#step=4"
    browser.execute_script("location.hash = '#step=1'")   # a link followed within the page
    WebDriverWait(browser, 5).until(lambda b: b.find_element("id", "counter").text == "step 1 of 5")
    browser.execute_script("location.hash = '#step=0'")
    WebDriverWait(browser, 5).until(lambda b: b.find_element("id", "counter").text == "step 0 of 5")
    slider = browser.find_element("id", "slider")
    assert slider.get_attribute("value") == slider.get_attribute("min") == "0"   # at its start


def current_node(browser) -> str:
    return browser.execute_script("return document.querySelector('g.node.current title')"
                                  ".textContent")


def test_follow_mode_module_keys_search_and_fit(browser, pages) -> None:
    """On the Transformer page: ] and [ jump between the module boundaries of the engine's
    order, the view opening each module; / MaskedSoftmax goes to its step; 0 fits the open
    module; without follow mode o and c open and close the current gate's module."""
    from autograd.tools.trace import trace_backward
    from models.registry import tiny_loss

    trace = trace_backward(tiny_loss("transformer")[1])
    scopes, gates = [step.scope for step in trace], [step.gate for step in trace]
    starts = [k for k in range(1, len(scopes) + 1) if k == 1 or scopes[k - 1] != scopes[k - 2]]
    page = pages("--model", "transformer")
    browser.get(page.as_uri())
    body = browser.find_element("tag name", "body")
    counter = lambda: browser.find_element("id", "counter").text  # noqa: E731
    crumbs = lambda: browser.find_element("id", "crumbs").text  # noqa: E731
    assert browser.find_element("id", "follow").text == "follow: on"
    body.send_keys("]]]]]")
    assert counter() == f"step {starts[4]} of {len(scopes)}"
    assert crumbs().split(" › ")[-1] == scopes[starts[4] - 1]   # the module of the gate, open
    assert not current_node(browser).startswith("m_")
    body.send_keys("[")
    assert counter() == f"step {starts[3]} of {len(scopes)}"
    body.send_keys("/")
    browser.find_element("id", "search").send_keys("MaskedSoftmax\n")
    softmax = gates.index("MaskedSoftmax") + 1   # the first in the engine's order
    assert scopes[softmax - 1] == "blocks.1.attn"
    assert counter() == f"step {softmax} of {len(scopes)}"
    assert browser.find_element("id", "gate").text.startswith("MaskedSoftmax (blocks.1.attn)")
    assert crumbs() == "model › blocks.1 › blocks.1.attn"
    body.send_keys("0")   # fit: the open module, not the whole model
    frame, graph = browser.execute_script(
        "const f = Array.from(document.querySelectorAll('#graph g.cluster')).find("
        "  g => g.querySelector('title').textContent === 'cluster_blocks.1.attn');"
        "const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };"
        "return [r(f), r(document.querySelector('#graph svg'))];")
    assert graph[0] - 1 <= frame[0] and frame[2] <= graph[2] + 1   # its whole width
    assert frame[3] - frame[1] >= 0.9 * (graph[3] - graph[1])      # and the height it takes
    check_start_view(browser, "blocks.1.attn fitted")
    body.send_keys("f")   # follow off: the view stays where it is
    assert browser.find_element("id", "follow").text == "follow: off"
    body.send_keys("]")
    later = next(k for k in starts if k > softmax)
    assert counter() == f"step {later} of {len(scopes)}"
    module = current_node(browser)
    assert module.startswith("m_") and scopes[later - 1].startswith(module[2:])
    body.send_keys("o")
    assert crumbs().split(" › ")[-1] == module[2:] and not current_node(browser).startswith("m_")
    body.send_keys("c")
    assert current_node(browser) == module
    browser.find_element("id", "open-all").click()
    body.send_keys("0")   # everything open, fitted: still legible, panned from the top left
    check_start_view(browser, "open all, fitted")


def test_edges_fill_in_with_signed_gradients(browser, pages) -> None:
    """∂f/∂x1 = w1·σ'(net) = −3 · 0.19661 = −0.5898 in the neuron: its edge shows the sign."""
    page = pages("--example", "neuron")
    browser.get(page.as_uri())
    labels = "return Array.from(document.querySelectorAll('text.edge-grad')).map(t => t.textContent)"
    assert set(browser.execute_script(labels)) == {""}   # nothing before the pass
    browser.get("about:blank")
    browser.get(page.as_uri() + "#step=5")
    assert "-0.59" in browser.execute_script(labels)


def test_panning_and_zooming_move_the_view(browser, pages) -> None:
    page = pages("--model", "mlp")
    browser.get(page.as_uri())
    view = "return document.querySelector('#graph svg').getAttribute('viewBox')"
    fitted = browser.execute_script(view)
    browser.find_element("id", "zoom-in").click()
    zoomed = browser.execute_script(view)
    assert float(zoomed.split()[2]) < float(fitted.split()[2])   # a narrower view: zoomed in
    from selenium.webdriver import ActionChains

    graph = browser.find_element("id", "graph")
    ActionChains(browser).move_to_element(graph).click_and_hold().move_by_offset(120, 40) \
        .release().perform()
    panned = browser.execute_script(view)
    assert float(panned.split()[0]) < float(zoomed.split()[0])   # dragged right: view moved left
    browser.find_element("id", "fit").click()
    assert browser.execute_script(view) == fitted


def test_embedded_explorer_takes_no_keys_and_no_style_from_its_host(browser, tmp_path: Path
                                                                     ) -> None:
    from autograd.examples import load
    from autograd.tools.explorer import explore

    browser.get_log("browser")
    host = tmp_path / "host.html"
    host.write_text("<!DOCTYPE html><html><body><p>notes</p><input id='notes'>"
                    + explore(load("neuron").graph(), "the neuron")._repr_html_()
                    + "</body></html>", encoding="utf-8")
    browser.get(host.as_uri())
    before = browser.execute_script("const s = getComputedStyle(document.body);"
                                    "return [s.display, s.margin, s.fontFamily];")
    box = browser.find_element("id", "notes")
    box.send_keys("a b", "\ue012", "\ue014", "c")   # a space, ←, → and a letter
    assert box.get_attribute("value") == "a bc"
    assert browser.execute_script("const s = getComputedStyle(document.body);"
                                  "return [s.display, s.margin, s.fontFamily];") == before
    frame = browser.find_element("tag name", "iframe")
    browser.switch_to.frame(frame)
    try:
        assert browser.find_element("id", "counter").text == "step 0 of 5"   # untouched
        browser.find_element("id", "next").click()
        browser.find_element("tag name", "body").send_keys("\ue014")
        assert browser.find_element("id", "counter").text == "step 2 of 5"   # its own keys work
    finally:
        browser.switch_to.default_content()
    assert errors(browser) == []


def test_clicking_a_module_opens_it_and_clicking_its_name_closes_it(browser, pages) -> None:
    page = pages("--model", "transformer")
    browser.get(page.as_uri())
    titles = "return Array.from(document.querySelectorAll('#graph svg g.node title'))" \
             ".map(t => t.textContent)"
    overview = browser.execute_script(titles)
    assert {"m_tokens", "m_blocks.0", "m_blocks.1", "m_ln_f", "m_head"} <= set(overview)
    module = next(g for g in browser.find_elements("css selector", "#graph g.node")
                  if g.find_element("tag name", "title").get_attribute("textContent") == "m_blocks.0")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                           module.find_element("tag name", "text"))
    opened = browser.execute_script(titles)
    assert "m_blocks.0" not in opened
    assert {"m_blocks.0.attn", "m_blocks.0.ffn", "m_blocks.1"} <= set(opened)
    assert browser.find_element("id", "crumbs").text == "model › blocks.0"
    frame = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph g.cluster')).find("
        "  g => g.querySelector('title').textContent === 'cluster_blocks.0').querySelector('text')")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                           frame)
    assert browser.execute_script(titles) == overview
    # stepping goes on at every level: a gate inside a collapsed module lights up the module
    body = browser.find_element("tag name", "body")
    for _ in range(12):
        body.send_keys("\ue014")
    current = browser.execute_script("return document.querySelector('g.node.current title')"
                                     ".textContent")
    gate = browser.execute_script("const s = JSON.parse(document.getElementById('trace')"
                                  ".textContent).steps[11]; return s.scope")
    assert current == "m_" + ".".join(gate.split(".")[:2])


CARD_MAPS = """
      return Array.from(document.querySelectorAll('#card .map')).map(function (m) {
        const grid = m.querySelector('.grid'), bar = m.querySelector('.scale');
        return {index: parseInt(m.dataset.index, 10),
                name: m.querySelector('.map-name').firstChild.textContent,
                rows: grid ? parseInt(grid.dataset.rows, 10) : null,
                cols: grid ? parseInt(grid.dataset.cols, 10) : null,
                cells: grid ? grid.children.length : 0,
                width: grid && grid.children.length ? grid.children[0].getBoundingClientRect().width : 0,
                printed: grid ? Array.from(grid.children).map(c => c.textContent) : [],
                scale: bar ? [bar.querySelector('.low').textContent,
                              bar.querySelector('.high').textContent] : null};
      });"""


def card_maps(browser) -> list[dict]:
    return browser.execute_script(CARD_MAPS)


def cards_of_steps(browser, count: int) -> list[list[dict]]:
    """The card's maps on each of the first `count` steps, → pressed (a key event) for each."""
    return browser.execute_script(
        "const seen = [];"
        "for (let k = 0; k < arguments[0]; k++) {"
        "  document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));"
        "  seen.push((function () {" + CARD_MAPS + "})());"
        "}"
        "return seen;", count)


def printed(text: str) -> float:
    return float(text.replace("−", "-"))


def engine_arrays(maps: list[dict], step, labels: dict[int, str]) -> list[np.ndarray]:
    """The engine's array each of a card's maps shows, found by the map's name."""
    from autograd.tools.trace import label

    named = {"upstream": step.upstream}
    for value, down in zip(step.inputs, step.downstream):
        named[f"{label(value, labels)} (input)"] = value.data
        named[f"∂L/∂{label(value, labels)} (downstream)"] = down
    assert set(named) - {"upstream"} <= {m["name"].rsplit(" (", 1)[0] for m in maps}
    arrays = []
    for shown in maps:
        name = shown["name"].rsplit(" (", 1)[0]   # without its shape
        array = step.output.data if name.startswith("z = ") else \
            named["upstream" if name.endswith("(upstream)") else name]
        arrays.append(np.asarray(array, dtype=np.float64))
    return arrays


def check_scales(maps: list[dict], arrays: list[np.ndarray], k: int) -> None:
    """Each map's colour scale runs from −M to M, M the largest |entry| of the step's gradients
    (upstream and downstream) or of its values (inputs, output), by the engine's arrays; a map of
    at most 6×6 entries prints them, and printed numbers are the engine's."""
    gradient = [m["name"].startswith("∂L/∂") for m in maps]
    tops = {kind: max(float(np.max(np.abs(a))) for a, g in zip(arrays, gradient) if g == kind)
            for kind in set(gradient)}
    for shown, array, kind in zip(maps, arrays, gradient):
        low, high = map(printed, shown["scale"])
        assert high == pytest.approx(tops[kind], rel=6e-4) and low == -high, f"step {k}: {shown}"
        assert any(shown["printed"]) or shown["rows"] > 6 or shown["cols"] > 6, f"step {k}"
        if any(shown["printed"]):
            first = array.reshape(-1)[: shown["cells"]]
            assert [printed(t) for t in shown["printed"]] == pytest.approx(first, rel=6e-3,
                                                                          abs=1e-12)


def check_attention_card(browser, maps: list[dict], arrays: list[np.ndarray], step) -> None:
    """The MaskedSoftmax card shows the weights z = softmax(s·x) (computed here from the scores
    with the causal mask), names each symbol of its rule, and its chain-rule terms name their j
    with the engine's ∂L/∂z[j]."""
    import re

    scores = np.asarray(step.inputs[0].data, dtype=np.float64)
    scale = step.output.grad_fn.scale
    future = np.triu(np.ones(scores.shape[-2:], dtype=bool), 1)
    raw = np.where(future, -np.inf, scale * scores)
    weights = np.exp(raw - raw.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    shown = next(a for m, a in zip(maps, arrays) if m["name"].startswith("z = "))
    np.testing.assert_allclose(shown, weights, rtol=1e-5, atol=1e-7)
    symbols = browser.execute_script(
        "return Array.from(document.querySelectorAll('#card .symbols b')).map(b => b.textContent)")
    assert {"x", "s", "z", "g", "j"} <= set(symbols)
    assert f"{scale:.4g}" in browser.find_element("css selector", "#card .symbols").text
    downstream = next(m["index"] for m in maps if "(downstream)" in m["name"])
    cell = browser.find_element("css selector", f'#card .map[data-index="{downstream}"] div.open')
    cell.click()
    text = browser.find_element("css selector", "#card .terms").text
    count = int(re.search(r"over (\d+) terms?", text).group(1))
    terms = re.findall(r"j=\(([\d,]+)\): (\S+)·(\S+)", text)
    assert len(terms) == min(count, 12) and terms
    upstream = np.asarray(step.upstream, dtype=np.float64)
    for where, g, _ in terms:
        index = tuple(int(i) for i in where.split(","))
        assert printed(g) == pytest.approx(upstream[index], rel=6e-4)


def test_every_heatmap_matches_its_tensor_with_the_engines_scale(browser, pages) -> None:
    """The first 20 steps of the Transformer: each map's grid has its tensor's shape, and its
    colour scale and printed numbers are the engine's (an independent trace of the same step);
    present mode draws the maps larger; the attention card is checked on its own below."""
    from autograd.tools.trace import trace_backward
    from models.registry import tiny_loss

    trace = trace_backward(tiny_loss("transformer")[1], retain_graph=True)
    page = pages("--model", "transformer")
    browser.get(page.as_uri())
    checked = 0
    for k, (step, maps) in enumerate(zip(trace.steps, cards_of_steps(browser, 20)), start=1):
        arrays = engine_arrays(maps, step, trace.labels)
        for shown, array in zip(maps, arrays):
            shape = list(array.shape)
            rows, cols = (shape[-2], shape[-1]) if len(shape) >= 2 else (1, (shape or [1])[-1])
            assert (shown["rows"], shown["cols"], shown["cells"]) == (rows, cols, rows * cols)
            assert shown["name"].endswith("(" + "×".join(map(str, shape or [1])) + ")")
            checked += 1
        check_scales(maps, arrays, k)
        if step.gate == "MaskedSoftmax":
            attention = (k, maps, arrays, step)
    assert checked > 40
    browser.execute_script(f"location.hash = '#step={attention[0]}'")
    check_attention_card(browser, *attention[1:])
    body = browser.find_element("tag name", "body")
    before = card_maps(browser)[0]["width"]
    body.send_keys("p")
    assert card_maps(browser)[0]["width"] >= 1.25 * before
    body.send_keys("p")


def test_card_numbers_are_the_engines(browser, tmp_path: Path) -> None:
    """The downstream heatmap of every parameter of the tiny MLP (each read by one gate) holds
    the gradient an independent `.backward()` of the same model gives it."""
    import json

    import numpy as np

    from autograd.tools.explorer import save_step_page
    from models.registry import tiny_loss

    page = save_step_page(tiny_loss("mlp")[1], tmp_path / "mlp.html", depth=0)
    model, loss = tiny_loss("mlp")
    loss.backward()
    browser.get(page.as_uri())
    data = json.loads(browser.execute_script("return document.getElementById('trace').textContent"))
    maps = {m["name"]: m for s in data["steps"] for m in s["card"]["maps"]}
    for name, parameter in model.named_parameters():
        shown = maps[f"∂L/∂{name} (downstream)"]
        assert shown["shape"] == list(parameter.shape)
        np.testing.assert_allclose(np.array(shown["values"]).reshape(parameter.shape),
                                   parameter.grad, rtol=1e-6, atol=1e-12)


def test_a_clicked_entry_expands_into_chain_rule_terms_that_sum_to_it(browser, pages) -> None:
    page = pages("--model", "transformer", "--collapse", "0")
    browser.get(page.as_uri() + "#step=14")
    cells = browser.find_elements("css selector", "#card .grid div.open")
    assert cells
    expanded = 0
    for cell in cells[:6]:
        cell.click()
        terms = browser.execute_script(
            "const t = arguments[0].closest('.map').querySelector('.terms');"
            "return [parseFloat(t.dataset.sum), parseFloat(t.dataset.entry),"
            "        JSON.parse(t.dataset.terms), parseInt(t.dataset.count, 10)];", cell)
        total, entry, listed, count = terms
        assert abs(total - entry) <= 1e-5 * max(1.0, abs(entry))
        assert all(abs(g * j - p) <= 1e-6 * max(1e-12, abs(p)) + 1e-12 for _, g, j, p in listed)
        if count == len(listed):   # every term written out: they add up to the entry
            assert abs(sum(p for *_, p in listed) - entry) <= 1e-5 * max(1.0, abs(entry))
        expanded += 1
    assert expanded == min(6, len(cells))


def test_the_forward_pass_comes_first_on_the_same_timeline(browser, pages) -> None:
    """The neuron's forward pass: Multiply, Multiply, Add, Add, Sigmoid, each value appearing as
    it is computed; then the backward pass's 5 steps."""
    page = pages("--example", "neuron")
    browser.get(page.as_uri())
    counter = lambda: browser.find_element("id", "counter").text  # noqa: E731
    future = "return document.querySelectorAll('g.node.future').length"
    assert counter() == "step 0 of 5" and browser.execute_script(future) == 0
    browser.find_element("id", "first").click()
    assert counter() == "forward 0 of 5"
    assert browser.execute_script(future) == 10   # 5 gates and the 5 values they make
    body = browser.find_element("tag name", "body")
    names = []
    for k in range(1, 6):
        body.send_keys("\ue014")
        assert counter() == f"forward {k} of 5"
        assert browser.execute_script(future) == 10 - 2 * k
        names.append(browser.find_element("id", "gate").text.split()[1])
    assert names == ["Multiply", "Multiply", "Add", "Add", "Sigmoid"]
    body.send_keys("\ue014")
    assert counter() == "step 0 of 5" and browser.execute_script(future) == 0
    body.send_keys("\ue014")
    assert counter() == "step 1 of 5"
    browser.get("about:blank")
    browser.get(page.as_uri() + "#forward=2")
    assert counter() == "forward 2 of 5"


def test_repeated_blocks_can_be_shown_as_one_with_a_count(browser, pages) -> None:
    page = pages("--model", "transformer")
    browser.get(page.as_uri())
    titles = "return Array.from(document.querySelectorAll('#graph svg g.node title'))" \
             ".map(t => t.textContent)"
    browser.find_element("id", "group").click()
    grouped = browser.execute_script(titles)
    assert "m_blocks" in grouped and "m_blocks.0" not in grouped and "m_blocks.1" not in grouped
    label = browser.execute_script(
        "return Array.from(document.querySelectorAll('#graph g.node')).find("
        "  g => g.querySelector('title').textContent === 'm_blocks').querySelector('text')"
        ".textContent")
    assert label == "blocks ×2"
    browser.execute_script(
        "Array.from(document.querySelectorAll('#graph g.node')).find("
        "  g => g.querySelector('title').textContent === 'm_blocks').querySelector('text')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    assert {"m_blocks.0", "m_blocks.1"} <= set(browser.execute_script(titles))
