"""The step-through page, end to end in a real headless Chromium: load it, step k times, and
check that the highlighted gate and the gradients shown equal the engine's k-th record."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd.examples import load
from autograd.tools.draw import gate_id
from autograd.tools.explorer import save_step_page
from autograd.tools.trace import number, trace_backward
from models.registry import tiny_loss


def shown(browser) -> tuple[str | None, list[tuple[str, str]]]:
    """The highlighted gate's node id, and (node, downstream) of each line in the panel."""
    highlighted = browser.execute_script(
        "const g = document.querySelector('g.node.current title'); return g && g.textContent;")
    flows = browser.execute_script(
        "return Array.from(document.querySelectorAll('#flows .flow'))"
        ".map(e => [e.dataset.node, e.dataset.downstream]);")
    return highlighted, [tuple(f) for f in flows]


def grad_slot(browser, node: str) -> str:
    return browser.execute_script(
        "const g = Array.from(document.querySelectorAll('g.node')).find("
        "  n => n.querySelector('title').textContent === arguments[0]);"
        "return Array.from(g.querySelectorAll('text')).map(t => t.textContent).join('|');", node)


@pytest.mark.parametrize("subject", ["neuron", "bptt", "transformer"])
def test_stepping_shows_the_engines_records(subject: str, browser, tmp_path: Path) -> None:
    make = (lambda: tiny_loss("transformer")[1]) if subject == "transformer" \
        else load(subject).graph
    page = save_step_page(make(), tmp_path / f"{subject}.html", subject, depth=0)   # all open
    trace = trace_backward(make())    # an identical graph, traced independently of the page
    browser.get(page.as_uri())
    assert shown(browser) == (None, [])
    next_button = browser.find_element("id", "next")
    for k, step in enumerate(trace.steps[:12], start=1):
        next_button.click()
        highlighted, flows = shown(browser)
        assert highlighted == gate_id_like(step, browser)
        expected = [number(down) for down in step.downstream if down is not None]
        assert [f[1] for f in flows] == expected, f"step {k}"
        assert browser.find_element("id", "counter").text == f"step {k} of {len(trace)}"
    browser.find_element("id", "prev").click()
    assert browser.find_element("id", "counter").text.startswith(f"step {min(12, len(trace)) - 1}")


def gate_id_like(step, browser) -> str:
    # node ids come from object ids, which differ between the two graphs: match by order of
    # gates of the same name and scope in the page's data
    return browser.execute_script(
        "const s = JSON.parse(document.getElementById('trace').textContent).steps;"
        "const k = parseInt(document.getElementById('slider').value, 10);"
        "return s[k - 1].name === arguments[0] ? s[k - 1].gate : 'mismatch:' + s[k - 1].name;",
        step.gate)


def test_gradients_fill_into_the_graph_and_reset_when_stepping_back(browser, tmp_path) -> None:
    output = load("add-mul").graph()
    page = save_step_page(output, tmp_path / "add.html")
    names = {v.name: v for v in (output, *output.grad_fn.inputs)}
    browser.get(page.as_uri())
    from autograd.tools.draw import node_id

    q = node_id(names["q"])
    assert "grad ?" in grad_slot(browser, q)
    browser.find_element("tag name", "body").send_keys("\ue014")   # arrow right
    assert "grad -4" in grad_slot(browser, q)
    highlighted, _ = shown(browser)
    assert highlighted == gate_id(output)
    browser.find_element("tag name", "body").send_keys("\ue012")   # arrow left
    assert "grad ?" in grad_slot(browser, q)
