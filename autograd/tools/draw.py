"""Render a graph with Graphviz: values (ellipses) and gates (boxes), with numbers and gradients.

- A value shows its name, shape and dtype, its numbers (a Scalar, or a tensor of ≤ 16 entries)
  or a summary (mean, std, min, max), and its gradient once known. Parameters are green,
  other inputs grey, the output gold.
- After backward, every edge carries the gradient that crossed it (signed for one number, else
  the L2 norm; summed over the readers behind it, several values as their combined norm: see
  `placement`), drawn with colour and width on a log scale from blue (vanishing) to red
  (exploding).
- Nodes are grouped in clusters by the module that made them (`blocks.0.attn`); modules listed
  in `collapse` (or all of them, with `collapse=True`) become a single node.
"""

from __future__ import annotations

import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from autograd.core.engine import topological_order
from autograd.core.value import Value
from autograd.nn.module import Parameter
from autograd.plumbing.atomic import write_atomically
from autograd.tools.placement import (
    Crossings,
    Flow,
    Placement,
    gate_id,
    magnitude,
    node_id,
    sends_of,
)
from autograd.tools.trace import Trace, in_forward_order, unique_labels


def graph_values(output: Value) -> list[Value]:
    """Every value `output` was computed from (constants included), inputs before users, in
    the order the forward pass met them (`trace.in_forward_order`)."""
    return in_forward_order(topological_order(output, constants=True))


def edge_style(size: float, low: float = 1e-6, high: float = 1e2) -> dict[str, str]:
    """Colour and width for a gradient magnitude, on a log scale from `low` (blue) to `high`
    (red); `draw` takes both from the graph's own gradients."""
    span = math.log10(high) - math.log10(low)
    level = (math.log10(size) - math.log10(low)) / span if size > 0 and span > 0 else float(size > 0)
    level = min(max(level, 0.0), 1.0)
    red, blue = int(255 * level), int(255 * (1 - level))
    return {"color": f"#{red:02x}40{blue:02x}", "penwidth": f"{0.6 + 3.4 * level:.2f}",
            "fontcolor": f"#{red:02x}40{blue:02x}"}


def describe(value: Value, show_data: bool = True, name: str | None = None) -> str:
    """A value's label without its gradient: name (or `name`), shape and dtype, numbers or a
    summary."""
    data = np.asarray(value.data)
    head = name or value.name or ("" if value.grad_fn is not None or value.requires_grad
                                  else "const")
    if hasattr(value, "shape"):   # a Tensor: its shape and dtype too
        head = f"{head} {tuple(data.shape)} {data.dtype}".strip()
    if not show_data:
        return head
    body = numbers(data) if data.size <= 16 else "\\n".join(statistics(data))
    return f"{head}\\n{body}" if head else body


def statistics(data: np.ndarray, digits: int = 3) -> tuple[str, str]:
    """("mean … std …", "min … max …") of the finite entries, noting how many are not finite."""
    d = np.asarray(data, dtype=np.float64)
    finite = d[np.isfinite(d)]
    masked = f" ({d.size - finite.size} ±inf)" if finite.size < d.size else ""
    d = finite if finite.size else np.zeros(1)
    return (f"mean {d.mean():.{digits}g} std {d.std():.{digits}g}{masked}",
            f"min {d.min():.{digits}g} max {d.max():.{digits}g}")


def numbers(data: np.ndarray) -> str:
    if data.size == 1:
        return f"{data.reshape(()).item():.4g}"
    return np.array2string(data, precision=4, separator=", ", suppress_small=True).replace("\n", "")


def format_grad(grad: Any) -> str:
    data = np.asarray(grad)
    return f"grad {numbers(data)}" if data.size <= 16 else f"grad ‖{magnitude(grad):.3g}‖"


class Drawing(graphviz.Digraph):
    """The `graphviz.Digraph` that `draw` returns: shown in Jupyter, it is scaled to the cell's
    width instead of overflowing it (a wide graph scrolls sideways where that would shrink its
    text below a third of its size)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **options: Any) -> dict[str, str]:
        svg = render_svg(self)
        svg = svg[svg.index("<svg"):]
        natural = re.search(r'<svg width="([\d.]+)pt"', svg)
        floor = f"min-width: {float(natural.group(1)) / 3:.0f}pt" if natural else ""
        scaled = re.sub(r'<svg width="[^"]*" height="[^"]*"',
                        '<svg style="width: 100%; height: auto"', svg, count=1)
        html = f'<div style="overflow-x: auto"><div style="{floor}">{scaled}</div></div>'
        return {"text/html": html, "image/svg+xml": svg}


def draw(output: Value, show_data: bool = True, show_grad: bool = True,
         collapse: bool | list[str] | None = None, rankdir: str = "LR",
         grads: dict[int, Any] | None = None, trace: Trace | None = None, done: int | None = None,
         pending_grads: bool = False, labels: dict[int, str] | None = None,
         highlight: str = "") -> Drawing:
    """The graph of `output` as a `graphviz.Digraph` (displays inline in Jupyter).

    `trace` (from `trace_backward(output)`) gives every gradient the engine sent, so each edge
    carries what crossed it (see `placement`: summed over the readers behind it, several values
    as their combined norm); `done` keeps only its first `done` gates (an edge still waiting
    for contributions says "so far"). `grads` maps id(value) → the gradient a node shows
    (default: the trace's, else each value's `.grad`, and then an edge has a number only where
    one whole gradient is what crosses it). `pending_grads` writes "grad ?" where a gradient
    will appear (for the step-through page). `labels` maps id(value) → the label to show
    (default: the trace's, else `unique_labels`). `highlight` names a node to draw as the
    current gate (a frame of the step-through).
    """
    values = graph_values(output)
    known = grads if grads is not None else trace.grads if trace is not None else {
        id(v): v.grad for v in values if v.grad is not None and v.requires_grad}
    names = labels if labels is not None else trace.labels if trace is not None else \
        unique_labels(values)
    graph = Drawing("backprop", graph_attr={"rankdir": rankdir, "fontsize": "11",
                                            "fontname": "Helvetica"},
                    node_attr={"fontname": "Helvetica", "fontsize": "10"},
                    edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    modules = Placement(values, _collapsed_scopes(values, collapse))
    look = _Look(output, show_data, known if show_grad else {}, show_grad and pending_grads, names)
    clusters: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for value in values:
        for name, scope, attrs in _nodes_of(value, modules, look):
            if name == highlight:
                attrs = {**attrs, "fillcolor": "#ffb347", "color": "#d35400", "penwidth": "3"}
            clusters.setdefault(scope, []).append((name, attrs))
    _emit_clusters(graph, clusters)
    crossings = Crossings(values, modules, names, trace.steps[0].root if trace and trace.steps else "L")
    if show_grad and trace is not None:
        crossings.carry(sends_of(trace))
    elif show_grad:
        crossings.carry_whole(values, known)
    _emit_edges(graph, {edge: crossings.flow(edge, done) for edge in crossings.edges})
    return graph


def _emit_edges(graph: graphviz.Digraph, flows: dict[tuple[str, str], Flow | None]) -> None:
    """The edges, each with what crosses it, coloured on the log scale of their own range."""
    sizes = [flow.size for flow in flows.values() if flow is not None and flow.size > 0]
    low, high = (min(sizes), max(sizes)) if sizes else (1e-6, 1e2)
    for (tail, head), flow in flows.items():
        if flow is None:
            graph.edge(tail, head)
        else:
            graph.edge(tail, head, label=flow.text, tooltip=flow.tip, labeltooltip=flow.tip,
                       **edge_style(flow.size, low, high))
    if sizes:
        graph.attr(label=f"edge colour and width: |gradient| on a log scale from {low:.3g} (blue) "
                   f"to {high:.3g} (red)", labelloc="b", fontsize="10")


@dataclass
class _Look:
    """What a value's node shows."""

    output: Value
    show_data: bool
    known: dict[int, Any]     # id(value) → its gradient, where shown
    pending: bool             # "grad ?" where a gradient will appear
    labels: dict[int, str]    # id(value) → a label to show instead of its name


def _nodes_of(value: Value, modules: Placement, look: _Look) -> list[tuple[str, str, dict[str, str]]]:
    """The graph nodes (name, cluster scope, attributes) that show `value` and its gate."""
    module = modules.home(value)
    if module is not None:
        if module in modules.drawn:
            return []
        modules.drawn.add(module)
        repeats = modules.repeats(module)
        name = f"{module} ×{repeats}" if repeats else module
        return [(f"m_{module}", _parent_scope(module), {
            "label": f"{name}\\n(collapsed)", "shape": "box3d", "style": "filled",
            "fillcolor": "#dde7f7"})]
    label = describe(value, look.show_data, look.labels.get(id(value)))
    if id(value) in look.known:
        label += "\\n" + format_grad(look.known[id(value)])
    elif look.pending and value.requires_grad:
        label += "\\ngrad ?"
    scope = value.grad_fn.scope if value.grad_fn is not None else ""
    nodes = [(node_id(value), scope, {"label": label, **_value_style(value, value is look.output)})]
    if value.grad_fn is not None:
        nodes.append((gate_id(value), scope, {"label": value.grad_fn.name, "shape": "box",
                                              "style": "rounded,filled", "fillcolor": "#f2f2f2"}))
    return nodes


def _value_style(value: Value, is_output: bool) -> dict[str, str]:
    if is_output:
        return {"shape": "ellipse", "style": "filled,bold", "fillcolor": "#ffd966"}
    if isinstance(value, Parameter):
        return {"shape": "ellipse", "style": "filled", "fillcolor": "#b6e3b6"}
    if value.grad_fn is None:
        fill = "#d9d9d9" if value.requires_grad else "#f7f7f7"
        return {"shape": "ellipse", "style": "filled", "fillcolor": fill}
    return {"shape": "ellipse"}


def _collapsed_scopes(values: list[Value], collapse: bool | list[str] | None) -> list[str]:
    if not collapse:
        return []
    if collapse is True:
        # each top-level module, except that a list of blocks collapses block by block
        scopes = {v.grad_fn.scope for v in values if v.grad_fn is not None and v.grad_fn.scope}
        found = set()
        for s in scopes:
            parts = s.split(".")
            found.add(".".join(parts[:2]) if len(parts) > 1 and parts[1].isdigit() else parts[0])
        return sorted(found)
    return list(collapse)


def _parent_scope(scope: str) -> str:
    return scope.rsplit(".", 1)[0] if "." in scope else ""


def _emit_clusters(graph: graphviz.Digraph, clusters: dict[str, list]) -> None:
    """Nested subgraphs cluster_<path>, one per module path, holding that module's nodes."""
    tree: dict[str, set[str]] = {}
    for scope in clusters:
        parts = scope.split(".") if scope else []
        for depth in range(len(parts)):
            tree.setdefault(".".join(parts[:depth]), set()).add(".".join(parts[:depth + 1]))

    def fill(target: graphviz.Digraph, scope: str) -> None:
        for name, attrs in clusters.get(scope, []):
            target.node(name, **attrs)
        for child in sorted(tree.get(scope, ())):
            with target.subgraph(name=f"cluster_{child}") as sub:
                sub.attr(label=child, style="rounded,dashed", color="#9aa7b8", fontsize="10")
                fill(sub, child)

    fill(graph, "")


def render_svg(graph: graphviz.Digraph) -> str:
    return graph.pipe(format="svg").decode("utf-8")


def render_svgs(graphs: list[graphviz.Digraph]) -> list[str]:
    """The SVGs of several graphs, in order, from as few runs of Graphviz as there are cores
    (starting `dot` costs ten times more than laying out one of the explorer's small views, and
    a large view takes seconds: the runs share the graphs out by size and go side by side)."""
    if not graphs:
        return []
    batches = _shared_out(graphs, min(len(graphs), usable_cores()))
    with ThreadPoolExecutor(len(batches)) as pool:
        drawn = list(pool.map(_one_run, [[graphs[k] for k in batch] for batch in batches]))
    svgs: list[str] = [""] * len(graphs)
    for batch, pictures in zip(batches, drawn):
        for k, svg in zip(batch, pictures):
            svgs[k] = svg
    return svgs


def usable_cores() -> int:
    """The cores this process may run on (all of the machine's where that cannot be asked)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _shared_out(graphs: list[graphviz.Digraph], runs: int) -> list[list[int]]:
    """The graphs' indices in `runs` batches of about equal source size (largest first, each
    to the lightest batch), each batch in order."""
    batches: list[list[int]] = [[] for _ in range(runs)]
    weights = [0] * runs
    for k in sorted(range(len(graphs)), key=lambda k: -len(graphs[k].source)):
        lightest = weights.index(min(weights))
        batches[lightest].append(k)
        weights[lightest] += len(graphs[k].source)
    return [sorted(batch) for batch in batches if batch]


def _one_run(graphs: list[graphviz.Digraph]) -> list[str]:
    out = graphviz.pipe("dot", "svg", "\n".join(g.source for g in graphs).encode("utf-8"))
    svgs = ["<?xml" + part for part in out.decode("utf-8").split("<?xml")[1:]]
    if len(svgs) != len(graphs):
        raise RuntimeError(f"graphviz: {len(graphs)} graphs drawn as {len(svgs)} pictures")
    return svgs


def save_svg(output: Value | graphviz.Digraph, path: str | Path, **options: Any) -> Path:
    """Render `output` (a value, or a graph from `draw`) to an SVG file, written atomically."""
    graph = output if isinstance(output, graphviz.Digraph) else draw(output, **options)
    return write_atomically(path, render_svg(graph))
