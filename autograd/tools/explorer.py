"""The backprop explorer: a self-contained web page that steps through a real backward pass.

One HTML file, no network: the Graphviz SVG of the graph (kept in the DOM), the trace's numbers
as JSON, and a script. Next / previous / play, a slider and the arrow keys move through the gates
in the order the engine ran them; `#step=12` in the URL opens step 12.

- **Forward, then backward.** One timeline: before step 0 (← from the start, or *first*) the
  forward pass runs gate by gate, each value appearing as it is computed (`#forward=3`); then
  the backward pass.
- **Follow mode** (the default where the first view collapses a module; `f`): the view opens
  the module holding the current gate as the pass enters it and closes it behind, so → alone
  walks the whole pass gate by gate; `o` / `c` open / close the current gate's module, `]` / `[`
  jump to the next / previous module boundary. `/` finds a gate by its name or a value by its
  label and goes to its step.
- **Camera.** Drag to pan, the wheel or +/− to zoom, `0` to fit the open module; a fit never
  draws a node label's font below 10.5 px (a larger graph is shown from its top, to pan), and
  each view is laid out top to bottom where that fits the graph's area better than left to
  right. On every step the view follows the current gate and zooms in until its label is
  legible (at least 14 CSS px tall; `p` toggles a presentation mode with larger type and maps).
- **Truthful lines.** The panel shows each step as `trace.Step.lines` tells it: the lecture's
  [upstream] × [local] = [downstream] (or ⊙, entry by entry) only for elementwise gates, and for
  every other gate its vector-Jacobian rule, from the gate's docstring, with the real shapes.
- **Gradients fill in.** Each value's gradient appears in its node once the pass reaches it, and
  each edge of every view shows the gradient that has crossed it so far (signed for one number,
  ‖g‖ for a tensor; summed over the readers behind it; several values as their combined norm;
  " so far" until its last contribution arrives: `placement.Crossings`), coloured on a log scale
  from the smallest to the largest gradient the edges show (the legend gives both).
- Hovering a node shows its label, shape, dtype and statistics.
- **Cards.** Below the lines, each step's tensors as heatmaps (upstream, inputs, downstream; a
  2-D slice of a higher-rank tensor, picked with a selector), each with its colour scale (one for
  the step's gradients, one for its values), numbers printed in maps of at most 6 columns and 12 rows,
  exact entries on hover; a click on
  one of the outlined (largest) entries of a downstream gradient expands it into its scalar
  chain-rule sum (`cards`).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from autograd.core.value import Value
from autograd.plumbing.atomic import write_atomically
from autograd.tools.as_found import graph_as_found
from autograd.tools.cards import card
from autograd.tools.draw import draw, format_grad, graph_values, render_svgs, statistics
from autograd.tools.levels import ModuleTree
from autograd.tools.placement import Crossings, Placement, gate_id, node_id, sends_of
from autograd.tools.trace import Trace, first_readers, label, number, trace_backward


def page_data(output: Value, trace: Trace, values_in_order: list[Value]) -> dict[str, Any]:
    """The page's JSON: per step the gate's node, its lines and the gradients it fills in; per
    value what hovering shows; the forward pass (`values_in_order` is `graph_values(output)`).
    What the edges show is each view's (`step_page`)."""
    steps = []
    for step in trace:
        flows = []
        for value, down, total in zip(step.inputs, step.downstream, step.running):
            if down is None:
                continue
            flows.append({"node": node_id(value), "name": label(value, trace.labels),
                          "downstream": number(down), "fill": format_grad(total)})
        steps.append({"gate": gate_id(step.output), "name": step.gate, "scope": step.scope,
                      "output": label(step.output, trace.labels),
                      "output_node": node_id(step.output),
                      "upstream": number(step.upstream),
                      "output_fill": format_grad(step.upstream), "lines": step.lines(trace.labels),
                      "flows": flows, "card": card(step, trace.labels)})
    readers = first_readers(values_in_order)
    values = {node_id(v): _hover(v, trace.labels, readers.get(id(v))) for v in values_in_order}
    # the forward pass, gate by gate in the order the gates ran (their nodes' sequence)
    made = [v for v in values_in_order if v.grad_fn is not None]   # already in creation order
    forward = [{"gate": gate_id(v), "output": node_id(v), "name": v.grad_fn.name,  # type: ignore[union-attr]
                "scope": v.grad_fn.scope, **_hover(v, trace.labels)} for v in made]  # type: ignore[union-attr]
    values.update({gate_id(s.output): {"label": f"{s.gate} gate", "info": s.rule} for s in trace})
    return {"steps": steps, "forward": forward, "values": values}


def _scale(views: dict[str, Any], output: Value) -> list[float]:
    """The range of the magnitudes the gates send along the edges of every view, for the colour
    scale (the edge into the root carries its seed, 1, which no gate sent)."""
    seed = f"{gate_id(output)}->{node_id(output)}"
    sizes = [update[2] for view in views.values() for edge, updates in view["edges"].items()
             if edge != seed for update in updates if update[2] > 0]
    return [min(sizes), max(sizes)] if sizes else [0.0, 0.0]   # [0, 0]: all are 0


def _hover(value: Value, labels: dict[int, str], reader: Value | None = None) -> dict[str, str]:
    """What hovering a value shows; an unnamed leaf says which gate first reads it."""
    data = np.asarray(value.data)
    info = f"shape {data.shape}, {data.dtype}" if data.ndim else f"{data.dtype}"
    if value.grad_fn is None and not value.name and reader is not None:
        kind = "an input" if value.requires_grad else "a constant (no gradient)"
        ctx = reader.grad_fn
        where = f" in {ctx.scope}" if ctx is not None and ctx.scope else ""
        info = f"{kind} read by {label(reader, labels)}{where}; {info}"
    if data.size <= 6:
        info += f"; value {number(data)}"
    else:
        info += "; " + ", ".join(statistics(data, digits=4))
    return {"label": label(value, labels), "info": info}


def step_page(output: Value, title: str = "backward pass", depth: int = 1, root: str = "L") -> str:
    """The page for `output`'s backward pass (runs it: leaves get their `.grad`). Modules below
    `depth` start collapsed (1: the model's top-level modules visible; 0: all open); a click
    opens or closes one. `root` is how the page writes `output` in ∂L/∂x."""
    trace = trace_backward(output, retain_graph=True, root=root)   # the cards call the gates' backward
    values = graph_values(output)
    tree = ModuleTree.of({v.grad_fn.scope for v in values if v.grad_fn is not None})
    views, svgs = {}, []
    sends = sends_of(trace)
    opened_in = tree.views(depth)
    collapsed_in = {name: tree.collapsed(opened) for name, opened in opened_in.items()}
    if tree.lists:
        opened_in["grouped"], collapsed_in["grouped"] = set(), tree.grouped()
    # a view collapsing the same modules as another (the start view, often) is laid out once
    unique = list(dict.fromkeys(tuple(c) for c in collapsed_in.values()))
    laid_out = dict(zip(unique, _legible_layouts(output, [list(c) for c in unique], trace.labels)))
    for name, collapsed in collapsed_in.items():
        opened = opened_in[name]
        svg = laid_out[tuple(collapsed)]
        svgs.append(f'<template id="view-{html.escape(name)}">{svg}</template>')
        placement = Placement(values, collapsed)
        views[name] = {"opened": sorted(opened, key=tree.units.index),
                       "hidden": _hidden_nodes(values, placement),
                       # each edge after each step that changes it: what has crossed it so far
                       "edges": Crossings(values, placement, trace.labels, root).carry(sends).updates()}
    data = json.dumps({"title": title, "root": root, **page_data(output, trace, values), "views": views,
                       "scale": _scale(views, output), "parent": tree.parent, "lists": tree.lists})
    for step in trace:
        step.output.grad_fn.free()  # type: ignore[union-attr]
    return (_TEMPLATE.replace("__TITLE__", html.escape(title)).replace("__SVG__", "".join(svgs))
            .replace("__DATA__", data.replace("</", "<\\/")))


# the graph's part of the page at a laptop's 1280×800 (the panel takes 380 px, the zoom bar 36),
# and the page's smallest scale for a fit (CSS px per Graphviz point: a 10 pt label 10.5 px)
GRAPH_AREA = (900.0, 764.0)
LEGIBLE_SCALE = 1.05


def _legible_layouts(output: Value, views: list[list[str]], labels: dict[int, str]) -> list[str]:
    """Each view's SVG (`views`: the modules each collapses), top to bottom where it fits the
    graph's area legibly or its width does (a column the page pans down), else whichever of top
    to bottom and left to right fits at the larger scale (a long chain is a strip left to right,
    a column top to bottom); all views in one `render_svgs` call, the wide ones in a second."""
    def size(svg: str) -> tuple[float, float]:
        found = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
        return (float(found.group(1)), float(found.group(2))) if found else (1.0, 1.0)

    def fitted(svg: str) -> float:
        width, height = size(svg)
        return min(GRAPH_AREA[0] / width, GRAPH_AREA[1] / height)

    def drawn(rankdir: str, which: list[int]) -> list[str]:
        svgs = render_svgs([draw(output, show_grad=True, grads={}, pending_grads=True,
                                 collapse=views[k], labels=labels, rankdir=rankdir) for k in which])
        return [svg[svg.index("<svg"):] for svg in svgs]

    chosen = drawn("TB", list(range(len(views))))
    wide = [k for k, down in enumerate(chosen) if fitted(down) < LEGIBLE_SCALE and
            size(down)[0] * LEGIBLE_SCALE > GRAPH_AREA[0]]
    for k, across in zip(wide, drawn("LR", wide)):
        if fitted(across) > fitted(chosen[k]):
            chosen[k] = across
    return chosen


def _hidden_nodes(values: list[Value], placement: Placement) -> dict[str, str]:
    """node id → the collapsed module's node that shows it, for every node a view hides."""
    hidden = {}
    for value in values:
        home = placement.home(value)
        if home is not None:
            hidden[node_id(value)] = f"m_{home}"
            if value.grad_fn is not None:
                hidden[gate_id(value)] = f"m_{home}"
    return hidden


def save_step_page(output: Value, path: str | Path, title: str = "backward pass",
                   depth: int = 1) -> Path:
    return write_atomically(path, step_page(output, title, depth))


_TEMPLATE = Path(__file__).with_name("explorer.html").read_text(encoding="utf-8")


def save_frames(output: Value, folder: str | Path, depth: int = 0, fmt: str = "svg") -> list[Path]:
    """One picture per step of `output`'s backward pass, for lecture slides: the graph with the
    gradients known after that step filled in and the current gate highlighted (frame 0: before
    the pass). `fmt` is svg or png; each file is written atomically as `step-NNN.fmt`."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"--frames: frames are svg or png, not {fmt!r}")
    trace = trace_backward(output)
    values = graph_values(output)
    tree = ModuleTree.of({v.grad_fn.scope for v in values if v.grad_fn is not None})
    collapsed = tree.collapsed(tree.views(depth)["start"])
    placement = Placement(values, collapsed)
    grads: dict[int, Any] = {id(output): trace.steps[0].upstream} if len(trace) else {}
    paths = []
    for k in range(len(trace) + 1):
        if k:
            step = trace.steps[k - 1]
            for value, down, total in zip(step.inputs, step.downstream, step.running):
                if down is not None:
                    grads[id(value)] = total
        current = "" if k == 0 else placement.node(trace.steps[k - 1].output,
                                                  gate_id(trace.steps[k - 1].output))
        graph = draw(output, grads=dict(grads) if k else {}, trace=trace, done=k,
                     pending_grads=True, collapse=collapsed, labels=trace.labels,
                     highlight=current)
        graph.attr(label=f"step {k} of {len(trace)}" + (f": {trace.steps[k - 1].gate}" if k else
                                                        ": before the backward pass"),
                   labelloc="t", fontsize="14")
        picture = graph.pipe(format=fmt)
        paths.append(write_atomically(Path(folder) / f"step-{k:03d}.{fmt}", picture))
    return paths


class Explorer:
    """The explorer, shown inline in a Jupyter cell (`explore(loss)`).

    The page sits in an iframe of its own (`srcdoc`), so it takes no keys from the notebook's
    other cells and changes none of its styles; it fills the cell's width."""

    def __init__(self, page: str, height: int) -> None:
        self.page, self.height = page, height

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
                f'style="display: block; box-sizing: border-box; width: 100%; '   # border inside:
                f'height: {self.height}px; border: 1px solid #ccc" '
                'title="backproplab explorer"></iframe>')

    def save(self, path: str | Path) -> Path:
        """Write the page as a file of its own, atomically."""
        return write_atomically(path, self.page)


def explore(output: Value, title: str = "backward pass", depth: int = 1,
            height: int = 640) -> Explorer:
    """Step through `output`'s backward pass in the explorer. In Jupyter, the returned object
    shows the explorer inline.

    Before or after `output.backward()`: the graph and every `.grad` are left as they were
    found (see `as_found`), so `explore(loss)` then `loss.backward()`, or the other way round,
    gives the gradients of one plain backward pass."""
    with graph_as_found(output, "explore"):
        page = step_page(output, title, depth)
    return Explorer(page, height)
