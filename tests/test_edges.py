"""Module-level edges add up (issue 17): every edge of `backproplab graph --collapse` (that is,
`draw(collapse=True)` of the step's trace), of the explorer's overview at the last step (read
in Chromium as a student sees it) and of the live view's model graph shows the gradient that
crossed it — per value, the sum of the engine's contributions along every (value → reader
gate) pair behind the edge; several values as their combined norm, saying how many — and the
explorer's edges fill in with the sum so far, saying "so far" until complete. The expected
numbers come from the engine's own callback (`engine.backward(on_step=…)`) and `retain_grad`,
and the drawn node of each value from the module paths, here in the test: never from the
code that drew the edges."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz
import numpy as np
import pytest

from autograd.core.engine import backward, topological_order
from autograd.core.value import Value
from models.cli import inspection, main
from models.registry import tiny_loss

MODELS = ["mlp", "cnn", "rnn", "transformer"]
SHOWN = re.compile(r"^(‖)?(-?[0-9.]+(?:e[-+]?\d+)?)‖?(?: \((\d+) values\))?( so far)?$")


@dataclass
class Expected:
    """What the engine sent across one drawn edge, per value (id → gradient)."""

    per_value: dict[int, Any] = field(default_factory=dict)
    steps: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)   # id → (step, grad)

    def add(self, value: Value, step: int, grad: Any) -> None:
        key = id(value)
        self.per_value[key] = grad if key not in self.per_value else self.per_value[key] + grad
        self.steps.setdefault(key, []).append((step, grad))

    def after(self, done: int) -> tuple[list[Any], bool]:
        """Each value's sum over the first `done` gates, and whether every one has arrived."""
        sums = [sum(g for s, g in sent if s < done) for sent in self.steps.values()
                if any(s < done for s, _ in sent)]
        return sums, all(s < done for sent in self.steps.values() for s, _ in sent)


def _unit(scope: str) -> str | None:
    """The overview's (and collapse=True's) node for a gate of `scope`: its top-level module,
    or its block of a list (`blocks.1`)."""
    if not scope:
        return None
    parts = scope.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and parts[1].isdigit() else parts[0]


def expected_edges(values: list[Value], sends: list[tuple[int, Value, Value | None, Any]]
                   ) -> tuple[dict[tuple[str, str], Expected], set[tuple[str, str]]]:
    """Per drawn edge of the overview, what crossed it; and every edge drawn (with or without
    a gradient)."""
    readers: dict[int, set[str | None]] = {}
    for v in values:
        for parent in v.grad_fn.inputs if v.grad_fn is not None else ():
            readers.setdefault(id(parent), set()).add(_unit(v.grad_fn.scope))

    def value_node(v: Value) -> str:
        if v.grad_fn is not None:
            unit = _unit(v.grad_fn.scope)
            return f"m_{unit}" if unit else f"v{id(v)}"
        owners = readers.get(id(v), set())   # a leaf read inside one module only sits inside it
        return f"m_{next(iter(owners))}" if len(owners) == 1 and None not in owners else f"v{id(v)}"

    def gate_node(v: Value) -> str:
        unit = _unit(v.grad_fn.scope)  # type: ignore[union-attr]
        return f"m_{unit}" if unit else f"g{id(v)}"

    drawn = set()
    for v in values:
        if v.grad_fn is not None:
            drawn |= {(value_node(p), gate_node(v)) for p in v.grad_fn.inputs}
            drawn.add((gate_node(v), value_node(v)))
    drawn = {edge for edge in drawn if edge[0] != edge[1]}
    edges: dict[tuple[str, str], Expected] = {}
    for step, value, reader, grad in sends:
        edge = (gate_node(value), value_node(value)) if reader is None else \
            (value_node(value), gate_node(reader))
        if edge[0] != edge[1]:
            edges.setdefault(edge, Expected()).add(value, step, grad)
    return edges, drawn


def engine_sends(loss: Value) -> list[tuple[int, Value, Value | None, Any]]:
    """(step, value, reader gate's output or None for a gate's own output, gradient) for every
    gradient the engine passes, from its own callback; checked against `retain_grad`."""
    values = topological_order(loss, constants=True)
    for v in values:
        if v.grad_fn is not None:
            v.retain_grad()
    sends: list[tuple[int, Value, Value | None, Any]] = []
    count = [0]

    def record(node: Value, upstream: Any, downstream: tuple[Any, ...]) -> None:
        sends.append((count[0], node, None, upstream))
        sends.extend((count[0], value, node, down)
                     for value, down in zip(node.grad_fn.inputs, downstream) if down is not None)
        count[0] += 1

    backward(loss, retain_graph=True, on_step=record)
    for v in values:   # a value's contributions sum to the gradient retain_grad kept
        if v.requires_grad and v is not loss:
            total = sum(g for _, value, reader, g in sends if value is v and reader is not None)
            np.testing.assert_allclose(total, v.grad, rtol=1e-6, atol=1e-12)
    return sends


def _norm(grad: Any) -> float:
    return float(np.linalg.norm(np.asarray(grad, dtype=np.float64)))


def check_shown(text: str, sums: list[Any], complete: bool, where: str) -> None:
    """`text` (an edge's label) is what `sums` (each value's summed gradient) should show."""
    match = SHOWN.match(text)
    assert match, f"{where}: unreadable edge label {text!r}"
    norm, number, count, so_far = match.groups()
    if len(sums) == 1 and np.size(sums[0]) == 1:
        expected = float(np.asarray(sums[0]).reshape(()))   # signed, as one number
        assert not norm and count is None, f"{where}: {text!r}"
    else:
        expected = math.sqrt(sum(_norm(g) ** 2 for g in sums))
        assert norm, f"{where}: {text!r} is not a norm"
        assert int(count or 1) == len(sums), f"{where}: {text!r}, but {len(sums)} values cross"
    assert float(number) == pytest.approx(expected, rel=6e-3, abs=1e-12), \
        f"{where}: shows {text!r}, the engine sent {expected:.4g}"
    assert bool(so_far) == (not complete), f"{where}: {text!r}"


@dataclass
class Step:
    """One training step of a model, drawn: the engine's sends and what was drawn from them."""

    values: list[Value]
    sends: list[tuple[int, Value, Value | None, Any]]
    out: Path


def one_step(name: str, command: list[str], out: Path) -> Step:
    """The step's loss, its engine sends, and `backproplab <command>` run on that same loss."""
    _, loss = tiny_loss(name)
    values = topological_order(loss, constants=True)
    sends = engine_sends(loss)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inspection, "_subject", lambda args: (loss, name))
        assert main([*command, str(out)]) == 0
    return Step(values, sends, out)


def svg_edges(svg: str) -> dict[tuple[str, str], str]:
    """Each edge of a Graphviz SVG (by its title `tail->head`) → its label text ('' if none)."""
    ns = {"s": "http://www.w3.org/2000/svg"}
    found = {}
    for group in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") == "edge":
            tail, head = group.find("s:title", ns).text.split("->")   # type: ignore[union-attr]
            found[(tail, head)] = "".join(t.text or "" for t in group.iter(f"{{{ns['s']}}}text"))
    return found


def check_edges(shown: dict[tuple[str, str], str], step: Step, where: str) -> int:
    expected, drawn = expected_edges(step.values, step.sends)
    assert set(shown) == drawn, f"{where}: edges drawn differ from the graph's"
    for edge, text in shown.items():
        if edge not in expected:
            assert text == "", f"{where} {edge}: nothing crosses it, but it shows {text!r}"
            continue
        check_shown(text, list(expected[edge].per_value.values()), True, f"{where} {edge}")
    return len(expected)


@pytest.mark.parametrize("name", MODELS)
def test_every_collapsed_edge_of_graph_shows_what_crossed_it(name: str, tmp_path: Path) -> None:
    step = one_step(name, ["graph", "--model", name, "--collapse", "--no-data", "--out"],
                    tmp_path / "g.svg")
    crossed = check_edges(svg_edges(step.out.read_text()), step, f"graph --collapse ({name})")
    assert crossed >= 4


OVERVIEW_AT = """
document.getElementById('overview').click();
return Array.from(document.querySelectorAll('#graph svg g.edge')).map(function (g) {
  const text = g.querySelector('text.edge-grad');
  return [g.querySelector('title').textContent, text ? text.textContent : ''];
});
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Step]:
    """The explorer's page of each model's step (default levels), with its engine sends."""
    folder = tmp_path_factory.mktemp("pages")
    return {name: one_step(name, ["step", "--model", name, "--html"], folder / f"{name}.html")
            for name in MODELS}


def page_data(step: Step) -> dict[str, Any]:
    text = step.out.read_text()
    start = text.index('<script id="trace" type="application/json">') + 43
    return json.loads(text[start:text.index("</script>", start)].replace("<\\/", "</"))


@pytest.mark.parametrize("name", MODELS)
def test_the_explorer_overview_at_the_last_step_shows_what_crossed_each_edge(
        name: str, pages: dict[str, Step], browser) -> None:
    step = pages[name]
    total = len(page_data(step)["steps"])
    browser.get("about:blank")
    browser.get(step.out.as_uri() + f"#step={total}")
    shown = {tuple(title.split("->")): text for title, text in browser.execute_script(OVERVIEW_AT)}
    check_edges(shown, step, f"explorer overview ({name})")  # type: ignore[arg-type]


HOVER = """
const edge = Array.from(document.querySelectorAll('#graph svg g.edge'))
  .find(function (g) { return g.querySelector('title').textContent === arguments[0]; }, null);
const label = edge.querySelector('text.edge-grad'), box = label.getBoundingClientRect();
label.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: box.left + 2,
                                                 clientY: box.top + 2}));
return document.getElementById('tip').textContent;
"""


def test_hovering_an_edge_names_the_value_that_crossed_it(pages: dict[str, Step], browser) -> None:
    step = pages["transformer"]
    data = page_data(step)
    browser.get("about:blank")
    browser.get(step.out.as_uri() + f"#step={len(data['steps'])}")
    browser.execute_script("document.getElementById('overview').click();")
    expected, _ = expected_edges(step.values, step.sends)
    stream = expected[("m_blocks.0", "m_blocks.1")]
    [crossing] = stream.per_value   # the residual stream, read by blocks.1's ln1 and its add
    assert len(stream.steps[crossing]) == 2 == sum(
        id(v) == crossing and reader is not None for _, v, reader, _ in step.sends)
    tip = browser.execute_script(HOVER.replace("arguments[0]", "'m_blocks.0->m_blocks.1'"))
    assert tip == f"∂L/∂{data['values'][f'v{crossing}']['label']}, all of it: the sum of its 2 " \
        "contributions"
    # the RNN's W_h is read once per time step: each step's edge carries one share of it
    rnn = pages["rnn"]
    [weight] = [v for v in rnn.values if v.name == "recurrent.weight"]
    shares = sum(v is weight and reader is not None for _, v, reader, _ in rnn.sends)
    tips = {key: updates[-1][3] for key, updates in page_data(rnn)["views"][""]["edges"].items()}
    assert shares == 5 and tips[f"v{id(weight)}->m_t3"] == \
        f"part of ∂L/∂recurrent.weight: 1 of its {shares} contributions"


def test_explorer_edges_fill_in_with_the_sum_so_far(pages: dict[str, Step]) -> None:
    """At every step of the Transformer's overview, each edge shows the sum of the
    contributions made so far, and says "so far" until the last has arrived."""
    step = pages["transformer"]
    data = page_data(step)
    expected, _ = expected_edges(step.values, step.sends)
    updates = data["views"][""]["edges"]
    partial = 0
    for done in range(len(data["steps"]) + 1):
        for edge, crossed in expected.items():
            sums, complete = crossed.after(done)
            now = [u for u in updates.get("->".join(edge), []) if u[0] <= done]
            if not sums:
                assert not now, f"step {done}, {edge}: shows {now[-1][1]!r} before any gradient"
                continue
            check_shown(now[-1][1], sums, complete, f"step {done}, {edge}")
            partial += not complete
    assert partial > 0   # the residual stream's edges fill in over several steps


def test_a_value_read_twice_by_one_gate_shows_both_shares(tmp_path: Path) -> None:
    """The XOR example's e·e: the edge from e into the product carries 2e·∂L/∂(e·e), all of
    ∂L/∂e (the 2 contributions), as e's node does."""
    from autograd.examples import load

    out = load("xor").graph()
    sends = engine_sends(out)
    [square] = [v for v in topological_order(out) if v.grad_fn is not None and
                len(v.grad_fn.inputs) == 2 and v.grad_fn.inputs[0] is v.grad_fn.inputs[1]]
    e = square.grad_fn.inputs[0]
    whole_e = np.array(e.grad)   # before the command's pass adds to it
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inspection, "_subject", lambda args: (out, "xor"))
        assert main(["graph", "--example", "xor", "--no-data", "--out", str(tmp_path / "x.svg")]) == 0
    shown = svg_edges((tmp_path / "x.svg").read_text())[(f"v{id(e)}", f"g{id(square)}")]
    whole = sum(g for _, value, reader, g in sends if value is e and reader is square)
    check_shown(shown, [whole], True, "e → e·e")
    np.testing.assert_allclose(whole, whole_e, rtol=1e-12)


def test_the_live_views_model_graph_adds_up_and_names_the_loss() -> None:
    from models.diagnostics import Probe

    model, loss = tiny_loss("transformer")
    loss.name = None   # as the trainer's loss comes
    values = topological_order(loss, constants=True)
    sends = engine_sends(loss)
    probe = Probe(pictures=False, graph=True)
    probe.backward(loss)
    source = probe.after_update(model)["graph_source"]
    svg = graphviz.Source(source).pipe(format="svg").decode()
    check_edges(svg_edges(svg), Step(values, sends, Path()), "live graph")
    assert f'v{id(loss)} [label="loss ()' in source


def test_labels_follow_the_forward_pass_and_constants_are_named(pages: dict[str, Step]) -> None:
    """The MLP's hidden layer (made first) is linear#1, its logits linear#2; the Transformer's
    position table, a constant, says on hover which gate reads it."""
    mlp = pages["mlp"]
    data = page_data(mlp)
    made = {v.grad_fn.scope: v for v in mlp.values if v.grad_fn is not None and
            v.grad_fn.name == "Linear"}
    assert data["values"][f"v{id(made['hidden'])}"]["label"] == "linear#1"
    assert data["values"][f"v{id(made['output'])}"]["label"] == "linear#2"
    forward = [f["label"] for f in data["forward"]]
    assert forward.index("linear#1") < forward.index("linear#2")
    transformer = pages["transformer"]
    [table] = [v for v in transformer.values if v.grad_fn is None and not v.requires_grad]
    hover = page_data(transformer)["values"][f"v{id(table)}"]
    assert hover["label"] == "positions"   # the only constant, named by the model
    assert hover["info"].startswith("shape (6, 8), float32")
    # an unnamed constant says which gate reads it
    from autograd import Tensor
    from autograd.tools.explorer import step_page

    x = Tensor(np.arange(3.0), requires_grad=True, name="x")
    shift = Tensor(np.ones(3))
    page = step_page((x * 2.0 + shift).sum())
    values = json.loads(re.search(r'id="trace"[^>]*>(.*?)</script>', page, re.S).group(1)
                        .replace("<\\/", "</"))["values"]
    hover = values[f"v{id(shift)}"]
    assert hover["label"].startswith("const")
    assert hover["info"].startswith("a constant (no gradient) read by add"), hover


def two_modules() -> Value:
    """Module a hands u and w to module b, which reads u twice (in two gates), and u also to
    a top-level u·u."""
    import autograd
    from autograd import Tensor

    x = Tensor(np.random.default_rng(0).normal(size=5), requires_grad=True, name="x")
    with autograd.scope("a"):
        u, w = x * 2.0, x.tanh()
    with autograd.scope("b"):
        y = (u * w).sum() + u.sum()
    return y + (u * u).sum()


def test_several_values_across_one_edge_show_their_combined_norm(tmp_path: Path) -> None:
    """The edge a → b carries b's shares of u and of w, "(2 values)", as
    √(‖g_u‖² + ‖g_w‖²); the edge a → u·u the rest of ∂L/∂u."""
    z = two_modules()
    values = topological_order(z, constants=True)
    sends = engine_sends(z)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inspection, "_subject", lambda args: (z, "z"))
        assert main(["graph", "--example", "neuron", "--collapse", "--no-data",
                     "--out", str(tmp_path / "z.svg")]) == 0
    shown = svg_edges((tmp_path / "z.svg").read_text())
    check_edges(shown, Step(values, sends, Path()), "a, b")
    assert shown[("m_a", "m_b")].endswith("(2 values)")


def test_without_a_trace_an_edge_shows_a_whole_gradient_only_where_it_is_all_that_crosses() -> None:
    """After a plain backward only each value's whole gradient is known: f = a·a + 3a draws
    a's two edges without a number (neither carries all of ∂f/∂a = 2a + 3 = 7), and the
    products' edges with theirs."""
    from autograd import Scalar
    from autograd.tools.draw import draw

    a = Scalar(2.0, name="a")
    square, triple = a * a, a * 3.0
    f = square + triple
    f.backward()
    edges = re.findall(r"^\s*(\S+) -> (\S+)(?: \[label=(\S+))?", draw(f).source, re.M)
    labels = {(tail, head): label for tail, head, label in edges}
    assert labels[(f"v{id(a)}", f"g{id(square)}")] == labels[(f"v{id(a)}", f"g{id(triple)}")] == ""
    assert labels[(f"v{id(square)}", f"g{id(f)}")] == labels[(f"v{id(triple)}", f"g{id(f)}")] == "1"
    assert a.grad == 7.0


def test_frames_show_the_sum_so_far_on_every_edge(tmp_path: Path) -> None:
    """The slides (`save_frames`) of the two modules collapsed: after k gates every edge shows
    the sum of the contributions made so far, "so far" while more are to come (b's two reads
    of u arrive at different steps)."""
    from autograd.tools.explorer import save_frames

    z = two_modules()
    values = topological_order(z, constants=True)
    sends = engine_sends(z)
    frames = save_frames(z, tmp_path, depth=1)
    expected, drawn = expected_edges(values, sends)
    partial = 0
    for done, frame in enumerate(frames):
        shown = svg_edges(frame.read_text())
        assert set(shown) == drawn
        for edge, text in shown.items():
            sums, complete = expected[edge].after(done) if edge in expected else ([], True)
            if not sums:
                assert text == "", f"frame {done}, {edge}: {text!r} before any gradient"
                continue
            check_shown(text, sums, complete, f"frame {done}, {edge}")
            partial += not complete
    assert partial > 0


def test_constants_are_numbered_in_the_order_the_forward_pass_reads_them() -> None:
    """XOR's constants: its inputs X (read by the first MatMul), its targets (by the
    Subtract), the ½ of the error (by the last Multiply)."""
    from autograd.examples import load
    from autograd.tools.trace import trace_backward

    out = load("xor").graph()
    trace = trace_backward(out)
    constants = {trace.labels[id(v)]: v for v in topological_order(out, constants=True)
                 if v.grad_fn is None and not v.requires_grad}
    assert sorted(constants) == ["const#1", "const#2", "const#3"]
    assert [np.shape(constants[f"const#{k}"].data) for k in (1, 2, 3)] == [(4, 2), (4,), ()]
