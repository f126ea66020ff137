"""A self-contained web page that steps through a backward pass on the real graph.

One HTML file, no network: the SVG of the graph, the trace's numbers as JSON, and a little
script. Next / previous / play, a slider and the arrow keys move through the gates in the order
the engine ran them; the current gate is highlighted, its line
[upstream] × [local] = [downstream] is shown, and each value's gradient appears in the graph
once the backward pass has reached it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from autograd.core.value import Value
from autograd.plumbing.atomic import write_atomically
from autograd.tools.draw import draw, format_grad, gate_id, node_id, render_svg
from autograd.tools.trace import Trace, label, number, trace_backward


def page_data(output: Value, trace: Trace) -> list[dict[str, Any]]:
    """Per step: the gate's node id, its name and numbers, and the gradients it fills in."""
    steps = []
    for step in trace:
        flows = []
        for value, local, down, total in zip(step.inputs, step.local, step.downstream,
                                             step.running):
            if down is None:
                continue
            flows.append({"node": node_id(value), "name": label(value), "local": number(local),
                          "downstream": number(down), "sum": number(total),
                          "fill": format_grad(total)})
        steps.append({"gate": gate_id(step.output), "name": step.gate, "scope": step.scope,
                      "output": label(step.output), "output_node": node_id(step.output),
                      "upstream": number(step.upstream), "output_fill": format_grad(step.upstream),
                      "flows": flows})
    return steps


def step_page(output: Value, title: str = "backward pass", collapse: Any = None) -> str:
    """The page for `output`'s backward pass (runs it: leaves get their `.grad`)."""
    trace = trace_backward(output)
    svg = render_svg(draw(output, show_grad=True, grads={}, pending_grads=True,
                          collapse=collapse))
    svg = svg[svg.index("<svg"):]   # drop the XML prologue: the SVG sits inside HTML
    data = json.dumps({"title": title, "steps": page_data(output, trace)})
    return (_TEMPLATE.replace("__TITLE__", html.escape(title)).replace("__SVG__", svg)
            .replace("__DATA__", data.replace("</", "<\\/")))


def save_step_page(output: Value, path: str | Path, title: str = "backward pass",
                   collapse: Any = None) -> Path:
    return write_atomically(path, step_page(output, title, collapse))


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__ — backproplab</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 0; display: flex; height: 100vh; }
#graph { flex: 1; overflow: auto; padding: 8px; }
#graph svg { max-width: 100%; height: auto; }
#panel { width: 360px; padding: 12px 16px; border-left: 1px solid #ccc; background: #fafafa;
         overflow: auto; }
#panel h1 { font-size: 16px; margin: 0 0 8px; }
button { font-size: 14px; margin: 2px; }
#slider { width: 100%; }
.flow { font-family: monospace; font-size: 13px; margin: 6px 0; }
.gate-name { font-weight: bold; font-size: 15px; }
g.node.current polygon, g.node.current path { fill: #ffb347 !important; stroke: #d35400;
                                               stroke-width: 3px; }
g.node.reached ellipse { stroke: #c0392b; stroke-width: 2px; }
.help { color: #777; font-size: 12px; margin-top: 14px; }
</style></head>
<body>
<div id="graph">__SVG__</div>
<div id="panel">
  <h1>__TITLE__</h1>
  <div><button id="first">first</button><button id="prev">◀ previous</button>
       <button id="next">next ▶</button><button id="play">play</button></div>
  <input id="slider" type="range" min="0" value="0">
  <div id="counter"></div>
  <div id="gate" class="gate-name"></div>
  <div id="upstream" class="flow"></div>
  <div id="flows"></div>
  <div class="help">→/← or the buttons step through the gates in the order the engine ran
  them; space plays. Each line is [upstream] × [local] = [downstream]: the gradient arriving
  at the gate's output, the gate's local derivative, and what it sends to each input.</div>
</div>
<script id="trace" type="application/json">__DATA__</script>
<script>
(function () {
  const data = JSON.parse(document.getElementById('trace').textContent);
  const steps = data.steps;
  const nodes = {};
  document.querySelectorAll('g.node').forEach(function (g) {
    const title = g.querySelector('title');
    if (!title) return;
    const texts = Array.from(g.querySelectorAll('text'));
    const slot = texts.find(function (t) { return t.textContent.startsWith('grad ?'); });
    nodes[title.textContent] = {group: g, slot: slot};
  });
  let position = 0;
  let timer = null;
  const slider = document.getElementById('slider');
  slider.max = steps.length;
  function fill(id, text) {
    const node = nodes[id];
    if (!node) return;
    node.group.classList.add('reached');
    if (node.slot) node.slot.textContent = text;
  }
  function show(k) {
    position = Math.max(0, Math.min(steps.length, k));
    slider.value = position;
    Object.values(nodes).forEach(function (n) {
      n.group.classList.remove('current', 'reached');
      if (n.slot) n.slot.textContent = 'grad ?';
    });
    for (let i = 0; i < position; i++) {
      const s = steps[i];
      fill(s.output_node, s.output_fill);
      s.flows.forEach(function (f) { fill(f.node, f.fill); });
    }
    document.getElementById('counter').textContent = 'step ' + position + ' of ' + steps.length;
    const gate = document.getElementById('gate');
    const up = document.getElementById('upstream');
    const flows = document.getElementById('flows');
    flows.innerHTML = '';
    if (position === 0) {
      gate.textContent = 'before the backward pass';
      up.textContent = '';
      return;
    }
    const s = steps[position - 1];
    if (nodes[s.gate]) nodes[s.gate].group.classList.add('current');
    gate.textContent = s.name + (s.scope ? '  (' + s.scope + ')' : '') + ' → ' + s.output;
    gate.dataset.node = s.gate;
    up.textContent = 'upstream ∂L/∂' + s.output + ' = ' + s.upstream;
    s.flows.forEach(function (f) {
      const line = document.createElement('div');
      line.className = 'flow';
      line.dataset.node = f.node;
      line.dataset.downstream = f.downstream;
      line.textContent = '∂L/∂' + f.name + ': [' + s.upstream + '] × [' + f.local + '] = [' +
        f.downstream + ']' + (f.sum !== f.downstream ? '   sum so far ' + f.sum : '');
      flows.appendChild(line);
    });
  }
  function play() {
    if (timer) { clearInterval(timer); timer = null; return; }
    if (position >= steps.length) show(0);
    timer = setInterval(function () {
      if (position >= steps.length) { clearInterval(timer); timer = null; return; }
      show(position + 1);
    }, 700);
  }
  document.getElementById('next').onclick = function () { show(position + 1); };
  document.getElementById('prev').onclick = function () { show(position - 1); };
  document.getElementById('first').onclick = function () { show(0); };
  document.getElementById('play').onclick = play;
  slider.oninput = function () { show(parseInt(slider.value, 10)); };
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') show(position + 1);
    else if (e.key === 'ArrowLeft') show(position - 1);
    else if (e.key === ' ') { e.preventDefault(); play(); }
  });
  show(0);
})();
</script>
</body></html>
"""
