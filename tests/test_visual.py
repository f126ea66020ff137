"""Graph rendering, the step-through trace, gradient-flow views and their commands."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from autograd import Scalar, Tensor
from autograd.examples import load
from autograd.tools.draw import draw, edge_style, render_svgs, save_svg
from autograd.tools.flow import format_table, grad_flow, plot_grad_flow
from autograd.tools.trace import trace_backward
from models.cli import main
from models.registry import tiny_loss
from models.rnn_flow import demo_flows


def test_trace_ends_with_the_gradients_of_backward() -> None:
    for make in (lambda: load("neuron").graph(), lambda: tiny_loss("rnn")[1]):
        traced, plain = make(), make()
        trace = trace_backward(traced)
        plain.backward()
        leaves_t = [v for v in trace.values.values() if v.grad_fn is None]
        from autograd.tools.draw import graph_values

        leaves_p = [v for v in graph_values(plain) if v.grad_fn is None and v.requires_grad]
        assert len(leaves_t) == len(leaves_p) > 0
        for a, b in zip(sorted(leaves_t, key=lambda v: v.name or ""),
                        sorted(leaves_p, key=lambda v: v.name or "")):
            np.testing.assert_array_equal(a.grad, b.grad)
            np.testing.assert_array_equal(trace.grad(a), b.grad)


def test_trace_records_upstream_local_downstream_and_running_sums() -> None:
    a = Scalar(3.0, name="a")
    b = a + a
    b.name = "b"
    c = b * b
    c.name = "c"
    trace = trace_backward(c)
    assert [s.gate for s in trace] == ["Multiply", "Add"]
    mul, add = trace.steps
    assert (mul.upstream, mul.local, mul.downstream) == (1.0, (6.0, 6.0), (6.0, 6.0))
    assert mul.running == (6.0, 12.0)            # b receives two contributions: 6, then 12
    assert (add.upstream, add.downstream, add.running) == (12.0, (12.0, 12.0), (12.0, 24.0))
    assert a.grad == 24.0
    assert "∂L/∂b: [1] × [6] = [6]   (sum so far 12)" in mul.describe()
    with pytest.raises(RuntimeError, match="already freed"):
        c.backward()


def test_drawing_shows_values_gates_gradients_and_kinds() -> None:
    f = load("neuron").graph()
    f.backward()
    source = draw(f).source
    for text in ("Sigmoid", "Multiply", "w0\\n2\\ngrad -0.1966", "f\\n0.7311\\ngrad 1",
                 "#ffd966", "#d9d9d9"):
        assert text in source
    big = Tensor(np.arange(40.0), requires_grad=True, name="big")
    source = draw((big * 2).sum()).source
    assert "big (40,) float64\\nmean 19.5 std 11.5" in source


def test_edge_style_is_a_log_scale() -> None:
    small, large = edge_style(1e-7), edge_style(1e3)
    assert small["color"] == "#0040ff" and large["color"] == "#ff4000"
    assert float(edge_style(1e-2)["penwidth"]) > float(small["penwidth"])


def test_several_graphs_drawn_together_come_back_each_its_own_in_order(monkeypatch) -> None:
    """`render_svgs` shares graphs of very different sizes out to side-by-side Graphviz runs;
    each picture is its own graph's (Graphviz writes a graph's name as its SVG's title)."""
    import graphviz

    graphs = []
    for k, nodes in enumerate([1, 300, 2, 150, 3, 60, 1]):
        graph = graphviz.Digraph(f"g{k}")
        for i in range(nodes):
            graph.edge(f"a{i}", f"b{i}")
        graphs.append(graph)
    for cores in (1, 2, 3, 8):
        monkeypatch.setattr("os.sched_getaffinity", lambda pid, cores=cores: set(range(cores)))
        svgs = render_svgs(graphs)
        assert [svg.count("class=\"node\"") for svg in svgs] == [
            2 * len(g.body) for g in graphs]
        assert [svg.split("<title>")[1].split("</title>")[0] for svg in svgs] == [
            f"g{k}" for k in range(len(graphs))]
    assert render_svgs([]) == []
    monkeypatch.delattr("os.sched_getaffinity")   # as on macOS: the machine's cores are used
    assert [svg.split("<title>")[1].split("</title>")[0] for svg in render_svgs(graphs[:2])] == [
        "g0", "g1"]


def test_model_graphs_cluster_by_module_and_collapse(tmp_path: Path) -> None:
    _, loss = tiny_loss("transformer")
    trace = trace_backward(loss)
    source = draw(loss, grads=trace.grads).source
    assert "cluster_blocks.0.attn" in source and "blocks.0.attn.qkv.weight" in source
    collapsed = draw(loss, grads=trace.grads, collapse=True).source
    assert "blocks.1\\n(collapsed)" in collapsed and "MatMul" not in collapsed
    path = save_svg(draw(loss, grads=trace.grads), tmp_path / "tf.svg")
    assert path.read_text().lstrip().startswith("<?xml") and "</svg>" in path.read_text()


def test_graphs_display_inline_in_jupyter() -> None:
    graph = draw(load("add-mul").graph())
    bundle = graph._repr_mimebundle_()
    assert "image/svg+xml" in bundle


def test_grad_flow_table_and_plot(tmp_path: Path) -> None:
    model, loss = tiny_loss("mlp")
    loss.backward()
    rows = grad_flow(model)
    assert [r.name for r in rows] == [n for n, _ in model.named_parameters()]
    for row, (_, p) in zip(rows, model.named_parameters()):
        assert row.grad_norm == pytest.approx(float(np.linalg.norm(p.grad)), rel=1e-6)
        assert row.ratio == pytest.approx(row.grad_norm / float(np.linalg.norm(p.data)), rel=1e-6)
    assert "embedding.weight" in format_table(rows)
    figure = plot_grad_flow(rows, tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert figure.axes[0].get_yscale() == "log"   # the figure itself comes back, for Jupyter
    with pytest.raises(ValueError, match=r"svg or \.png"):
        plot_grad_flow(rows, tmp_path / "g.pdf")


def test_rnn_per_step_contributions_sum_to_the_gradient_and_show_vanishing() -> None:
    vanishing, sigmoid, exploding = demo_flows()
    for flow in (vanishing, sigmoid, exploding):
        np.testing.assert_allclose(sum(flow.shares), flow.total, rtol=1e-10, atol=1e-14)
        assert flow.clipped_norm == pytest.approx(1.0, rel=1e-5)
    assert vanishing.state_norms[0] < 1e-5 * vanishing.state_norms[-1]
    assert sigmoid.state_norms[0] < 1e-10 * sigmoid.state_norms[-1]
    assert exploding.state_norms[0] > 5 * exploding.state_norms[-1]


def test_graph_step_and_flow_commands(tmp_path: Path, capsys, monkeypatch) -> None:
    assert main(["graph", "--example", "neuron", "--out", str(tmp_path / "n.svg")]) == 0
    assert "Sigmoid" in (tmp_path / "n.svg").read_text()
    assert main(["graph", "--model", "cnn", "--collapse", "--out", str(tmp_path / "c.svg")]) == 0
    assert main(["step", "--example", "add-mul", "--all"]) == 0
    out = capsys.readouterr().out
    assert "step 1: Multiply → f" in out and "∂L/∂z: [1] × [3] = [3]" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("n\np x\np nope\nq\n"))
    assert main(["step", "--example", "add-mul"]) == 0
    out = capsys.readouterr().out
    assert "x = -2, ∂L/∂x so far = -4" in out and "no value labelled 'nope'" in out
    assert main(["step", "--example", "xor", "--html", str(tmp_path / "x.html")]) == 0
    assert "<svg" in (tmp_path / "x.html").read_text()
    assert main(["flow", "--model", "rnn", "--out", str(tmp_path / "r.svg")]) == 0
    assert main(["flow", "--model", "transformer", "--out", str(tmp_path / "t.svg")]) == 0
    assert "blocks.0.attn.qkv.weight" in capsys.readouterr().out


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    assert main(["step", "--model", "transformer", "--html", str(tmp_path / "t.html")]) == 0
    text = (tmp_path / "t.html").read_text()
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text
    assert "<script src" not in text and "<link" not in text


def test_training_can_log_gradient_norms(tmp_path: Path, capsys) -> None:
    names = tmp_path / "n.txt"
    names.write_text("anna\nbob\ncarl\ndora\n" * 5)
    assert main(["train", "--model", "mlp", "--data", str(names), "--steps", "6", "--quiet",
                 "--out", str(tmp_path / "ck"), "--log-grad-norms", str(tmp_path / "g.svg")]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()


def test_the_demo_writes_its_pictures(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--steps", "5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for model in ("mlp", "cnn", "rnn", "transformer"):
        assert f"\n  {model}" in out
    assert "perplexity" in out
    assert {p.name for p in tmp_path.iterdir()} == {
        "neuron.svg", "neuron-step.html", "transformer-step.html", "rnn-gradient-flow.svg"}


def test_stepper_sums_only_the_contributions_seen_so_far_at_a_branch() -> None:
    """f = a·b + a·c with a = 2, b = 3, c = 4, by hand: the Add runs first (∂f/∂(a·b) = 1,
    ∂f/∂(a·c) = 1), then the newer product a·c sends c = 4 to a, then a·b sends b = 3:
    ∂f/∂a is nothing after one gate, 4 after two, 4 + 3 = 7 after three."""
    from autograd.tools.stepper import gradient_so_far
    from autograd.tools.trace import trace_backward

    a, b, c = Scalar(2.0, name="a"), Scalar(3.0, name="b"), Scalar(4.0, name="c")
    f = a * b + a * c
    trace = trace_backward(f)
    assert [s.gate for s in trace] == ["Add", "Multiply", "Multiply"]
    assert gradient_so_far(trace, "a", 1) == "a = 2, ∂L/∂a so far = nothing yet"
    assert gradient_so_far(trace, "a", 2) == "a = 2, ∂L/∂a so far = 4"
    assert gradient_so_far(trace, "a", 3) == "a = 2, ∂L/∂a so far = 7"
    assert gradient_so_far(trace, "b", 2) == "b = 3, ∂L/∂b so far = nothing yet"
    assert gradient_so_far(trace, "c", 2) == "c = 4, ∂L/∂c so far = 2"
    assert a.grad == 7.0
    # the two unnamed products get labels of their own, numbered in the order the forward pass
    # made them: a·b first, though the backward pass reaches a·c first
    assert sorted(trace.labels.values()) == ["a", "add", "b", "c", "multiply#1", "multiply#2"]
    assert [trace.labels[id(s.output)] for s in trace] == ["add", "multiply#2", "multiply#1"]
    assert "(sum so far 7)" in trace.steps[2].describe(trace.labels)


def test_stepper_goes_back_and_prints_any_value_by_its_label(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\nb\np q\nq\n"))
    assert main(["step", "--example", "add-mul"]) == 0
    out = capsys.readouterr().out
    assert out.count("step 1: Multiply → f") == 2     # shown, then shown again after b
    assert "q = 3, ∂L/∂q so far = -4" in out           # after step 1, q has its gradient


def test_tensor_gates_are_told_by_their_rule_and_shapes_never_by_a_false_product() -> None:
    from autograd.tools.trace import trace_backward

    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    w = Tensor(np.ones((3, 4)), requires_grad=True, name="w")
    trace = trace_backward((x @ w).tanh().sum())
    by_gate = {s.gate: s for s in trace}
    matmul = by_gate["MatMul"].lines(trace.labels)
    assert matmul[0].startswith("rule: Z = A @ B") and "∂L/∂A = ∂L/∂Z @ Bᵀ" in matmul[0]
    assert matmul[1] == "shapes: ∂L/∂matmul (2,4), x (2,3), w (3,4)"
    assert not any("×" in line for line in matmul)
    tanh = by_gate["Tanh"]
    [line] = tanh.lines(trace.labels)
    # one entry of the elementwise rule, checked by hand: g = 1 everywhere, local = 1 − z²
    z = np.tanh(np.arange(6.0).reshape(2, 3) @ np.ones((3, 4)))
    local = 1 - z ** 2
    entry = np.unravel_index(np.argmax(np.abs(local)), local.shape)
    assert f"at [{entry[0]}, {entry[1]}]: 1 × {local[entry]:.4g} = {local[entry]:.4g}" in line


def test_frames_for_slides_one_per_step(tmp_path: Path, capsys) -> None:
    assert main(["step", "--example", "neuron", "--frames", str(tmp_path / "f")]) == 0
    frames = sorted((tmp_path / "f").glob("step-*.svg"))
    assert [f.name for f in frames] == [f"step-{k:03d}.svg" for k in range(6)]
    first, fourth = frames[0].read_text(), frames[4].read_text()
    assert "before the backward pass" in first and "grad ?" in first and "#ffb347" not in first
    assert "step 4 of 5: Multiply" in fourth
    assert fourth.count("#ffb347") == 1          # the current gate, highlighted
    assert "grad &#45;0.5898" in fourth          # x1's gradient, known after step 4
    assert "grad ?" in fourth                    # x0's is not, until step 5
    assert main(["step", "--example", "neuron", "--frames", str(tmp_path / "p"),
                 "--frame-format", "png"]) == 0
    assert (tmp_path / "p" / "step-005.png").read_bytes()[:4] == b"\x89PNG"


def test_the_unrolled_rnn_is_grouped_by_time_step() -> None:
    """Each step's nodes carry their t (the recurrent Linear inside it as t3.recurrent), the
    states are named h1 … hT, and the explorer's overview shows one node per step."""
    from autograd.tools.draw import graph_values
    from autograd.tools.levels import ModuleTree

    model, loss = tiny_loss("rnn")
    values = graph_values(loss)
    scopes = {v.grad_fn.scope for v in values if v.grad_fn is not None}
    steps = model.config.block_size
    assert {f"t{t}" for t in range(1, steps + 1)} <= scopes
    assert {f"t{t}.recurrent" for t in range(1, steps + 1)} <= scopes
    states = [v for v in values if v.name and v.name[0] == "h" and v.name[1:].isdigit()]
    assert sorted(v.name for v in states) == sorted(f"h{t}" for t in range(1, steps + 1))
    assert all(v.grad_fn.scope == v.name.replace("h", "t") for v in states)
    tree = ModuleTree.of(scopes)
    overview = tree.collapsed(set())
    assert {f"t{t}" for t in range(1, steps + 1)} <= set(overview)
    source = draw(loss, collapse=overview).source
    assert all(f"m_t{t}" in source for t in range(1, steps + 1))


def test_frames_refuse_an_unknown_format_and_keep_needs_one(tmp_path: Path, capsys) -> None:
    from autograd.tools.explorer import save_frames

    with pytest.raises(ValueError, match=r"--frames: frames are svg or png, not 'gif'"):
        save_frames(load("neuron").graph(), tmp_path, fmt="gif")
    assert not list(tmp_path.iterdir())
    assert main(["train", "--model", "mlp", "--steps", "1", "--keep", "0",
                 "--out", str(tmp_path / "k")]) == 2   # a usage error: out of --keep's range
    assert "argument --keep: '0' is not an integer ≥ 1" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()
