'use strict';
const PANEL_MARKUP = `<style>
  /* every rule starts at the panel's root: a page or notebook around it keeps its own styles */
  .bpl-live, .bpl-live * { box-sizing: border-box; }
  .bpl-live { margin: 0; font: 14px/1.35 system-ui, Helvetica, Arial, sans-serif; color: #222;
         background: #f4f5f7; }
  .bpl-live header { display: flex; align-items: center; gap: 14px; padding: 8px 14px; background: #fff;
           border-bottom: 1px solid #ddd; flex-wrap: wrap; }
  .bpl-live header h1 { font-size: 17px; margin: 0; }
  .bpl-live #status { font-weight: 600; padding: 2px 8px; border-radius: 4px; background: #e3f2e1; }
  .bpl-live #status.paused { background: #fde9c8; } .bpl-live #status.finished { background: #e5e5e5; }
  .bpl-live button, .bpl-live input { font: inherit; padding: 3px 10px; }
  .bpl-live input[type=number] { width: 7.5em; padding: 3px 4px; }
  .bpl-live #message { color: #b00020; }
  .bpl-live main { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 10px; padding: 10px; }
  .bpl-live .panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px;
           min-height: 300px; display: flex; flex-direction: column; min-width: 0; }
  .bpl-live .panel h2 { font-size: 14px; margin: 0 0 4px; }
  .bpl-live .panel .note { font-size: 12px; color: #555; margin: 0 0 4px; }
  .bpl-live .chart { display: flex; gap: 6px; flex: 1; min-height: 0; position: relative; }
  .bpl-live .chart svg.table { flex: 0 0 34%; }
  .bpl-live .chart svg { flex: 1; min-width: 0; height: 230px; }
  .bpl-live .legend { font-size: 12px; flex: 0 0 auto; align-self: flex-start; }
  .bpl-live .legend table { border-collapse: collapse; }
  .bpl-live .legend th { font-weight: normal; color: #555; padding: 0 2px; text-align: center; }
  .bpl-live .legend th.kind { text-align: right; padding-right: 4px; white-space: nowrap; color: #222; }
  .bpl-live .legend td { padding: 1px 2px; cursor: default; }
  .bpl-live .legend td.on, .bpl-live .legend th.on { background: #ffe9a8; }
  .bpl-live .legend svg { display: block; width: 100%; min-width: 22px; height: 8px; flex: none; }
  .bpl-live .tip { position: absolute; pointer-events: none; background: rgba(255,255,255,.95);
           border: 1px solid #999; border-radius: 3px; padding: 1px 5px; font-size: 12px;
           white-space: nowrap; display: none; z-index: 2; }
  .bpl-live .axis { font-size: 11px; fill: #444; }
  .bpl-live #histograms { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 10px; overflow: auto; }
  .bpl-live #histograms .title { font-size: 12px; }
  .bpl-live #samples { font-family: ui-monospace, Menlo, monospace; font-size: 14px; margin: 0;
             padding: 0; list-style: none; overflow: auto; }
  .bpl-live .wide { grid-column: 1 / -1; min-height: 0; }
  .bpl-live #graph { overflow: auto; max-height: 520px; }
  .bpl-live #graph img, .bpl-live #graph svg { max-width: none; }   /* natural size: legible */
  .bpl-live #blocks { margin: 4px 0 2px; font-size: 12px; }
  .bpl-live #blocks button { font-size: 12px; padding: 1px 6px; }
  .bpl-live #blocks button.on { background: #cfe0f3; }
  .bpl-live #heads { display: flex; flex-wrap: wrap; gap: 4px 8px; }
  .bpl-live #heads figure { margin: 0; font-size: 12px; text-align: center; }
  .bpl-live #heads text { font: 10px ui-monospace, Menlo, monospace; fill: #333; }
</style>
<header>
  <h1 id="title">backproplab live</h1>
  <span>step <b id="step">0</b> of <span id="total">?</span></span>
  <span>loss <b id="last-loss">–</b></span>
  <span id="status">connecting</span>
  <span class="controls"><button id="pause">pause</button><button id="resume">resume</button>
  <button id="one-step">one step</button>
  <label>learning rate <input id="lr" type="number" step="any" min="0"></label>
  <button id="set-lr">set</button></span>
  <span id="message"></span>
</header>
<main>
  <section class="panel"><h2>loss</h2>
    <p class="note">training loss per step (thin), validation loss (dots); nats per token</p>
    <div class="chart"><svg id="loss" data-points="0"></svg><div class="legend" id="loss-legend"></div><div class="tip"></div></div></section>
  <section class="panel"><h2>gradient norm per layer</h2>
    <p class="note">‖∂L/∂W‖ of each weight matrix, log scale; colour: the layer's kind, dash: its
      block (hover a line or an entry for its name)</p>
    <div class="chart"><svg id="norms"></svg><div class="legend" id="norms-legend"></div><div class="tip"></div></div></section>
  <section class="panel"><h2>update-to-weight ratio per layer</h2>
    <p class="note">log10(std ΔW / std W) of each step's real update; green: healthy (≈ −3)</p>
    <div class="chart"><svg id="ratios"></svg><div class="legend" id="ratios-legend"></div><div class="tip"></div></div></section>
  <section class="panel"><h2 id="hist-title">activations and their gradients</h2>
    <p class="note" id="hist-note">values (blue) and gradients (orange) of each nonlinearity;
      bar height: the count on a log scale (1, 10, 100, … evenly spaced); dashed: 0</p>
    <div id="histograms"></div></section>
  <section class="panel"><h2 id="embedding-title">character embeddings</h2>
    <p class="note">left, the table: a row per token in vocabulary order, a column per dimension
      (red +, blue −); right, each row on the table's two principal axes</p>
    <div class="chart"><svg id="table" class="table"></svg><svg id="embedding"></svg></div></section>
  <section class="panel"><h2 id="right-title">samples</h2>
    <p class="note" id="right-note">drawn from the model at each validation</p>
    <ul id="samples"></ul><div id="blocks"></div><div id="heads"></div></section>
  <section class="panel wide"><h2 id="graph-title">the model's graph</h2>
    <p class="note">one training step collapsed to one node per module; each edge carries the
      gradient that crossed it in that step's backward pass (‖g‖, coloured on a log scale).
      Drawn every few seconds.</p>
    <div id="graph"><p class="note">(not drawn yet)</p></div></section>
</main>`;

// The live panel: its markup, charts and the handling of a run's events. Shared by the page
// `backproplab train --live` serves (events from the server) and the Jupyter widget (events
// from the kernel). `send(action, value)` carries a control back; mount returns take(event).
function mountPanel(root, send, options) {
  root.classList.add('bpl-live');
  root.innerHTML = PANEL_MARKUP;

  const NS = 'http://www.w3.org/2000/svg';
  // one colour per kind of layer (tab10), one dash per block: each series its own pair
  const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
                   '#7f7f7f', '#bcbd22', '#17becf'];
  const DASHES = ['', '7 3', '2 2.5', '9 3 2 3', '4 4', '1 4'];
  const run = {steps: [], losses: [], val: [], layers: {}, ratios: {}, vocabulary: [],
               pictures: null, samples: [], samplesStep: null, total: 0, block: null};
  const el = function (id) { return root.querySelector('#' + id); };

  function node(tag, attrs, parent) {
    const n = document.createElementNS(NS, tag);
    for (const k in attrs) n.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(n);
    return n;
  }
  function ticks(low, high, count) {
    const span = high - low || 1, raw = span / count;
    const step = Math.pow(10, Math.floor(Math.log10(raw)));
    const nice = [1, 2, 5, 10].map(function (m) { return m * step; })
      .find(function (s) { return span / s <= count; });
    const out = [];
    for (let v = Math.ceil(low / nice) * nice; v <= high + 1e-12; v += nice) out.push(v);
    return out;
  }
  // A layer's place in a repeated structure: `blocks.1.attn.qkv` → block `blocks.1`, kind
  // `attn.qkv`; a name with no numbered part is its own kind, outside any block.
  function splitName(name) {
    const m = /^(.*?\.\d+)\.(.+)$/.exec(name);
    return m ? {group: m[1], kind: m[2]} : {group: '', kind: name};
  }
  // name → {colour, dash}: colour by kind, dash by block, in the order the names come (the
  // model's); past 10 kinds or 6 blocks, the pairs are dealt out in turn (still all different)
  function styles(names) {
    const kinds = [], groups = [];
    names.forEach(function (n) {
      const p = splitName(n);
      if (kinds.indexOf(p.kind) < 0) kinds.push(p.kind);
      if (p.group && groups.indexOf(p.group) < 0) groups.push(p.group);
    });
    const fits = kinds.length <= COLOURS.length && groups.length <= DASHES.length;
    const out = {};
    names.forEach(function (n, i) {
      const p = splitName(n), k = kinds.indexOf(p.kind), g = groups.indexOf(p.group);
      out[n] = fits ? {colour: COLOURS[k], dash: DASHES[Math.max(g, 0)]}
                    : {colour: COLOURS[i % COLOURS.length],
                       dash: DASHES[Math.floor(i / COLOURS.length) % DASHES.length]};
    });
    return {styles: out, kinds: kinds, groups: groups};
  }
  function label(v, log) {
    return String(log ? +Math.pow(10, v).toPrecision(2) : +v.toPrecision(3));
  }
  // One chart: series = [{name, xs, ys, colour, dash, dots}]; log: y on a log10 scale
  function chart(svg, series, options) {
    const box = svg.getBoundingClientRect();
    const w = Math.max(box.width, 200), h = Math.max(box.height, 150);
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.hover = [];
    const f = options.log ? function (v) { return Math.log10(Math.max(v, 1e-12)); }
                          : function (v) { return v; };
    let xs = [], ys = [];
    series.forEach(function (s) { xs = xs.concat(s.xs); ys = ys.concat(s.ys.map(f)); });
    ys = ys.filter(function (v) { return isFinite(v) && v !== null; });
    if (!xs.length || !ys.length) return;
    let x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    let y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (options.band) { y0 = Math.min(y0, options.band[0]); y1 = Math.max(y1, options.band[1]); }
    if (x1 === x0) x1 = x0 + 1;
    if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    const yTicks = ticks(y0, y1, 5), yLabels = yTicks.map(function (v) { return label(v, options.log); });
    // the left margin fits the longest label (at 11 px, a digit is under 7 px wide)
    const longest = Math.max.apply(null, yLabels.map(function (t) { return t.length; }).concat([1]));
    const m = {l: 10 + 7 * longest, r: 14, t: 6, b: 22};
    const X = function (v) { return m.l + (v - x0) / (x1 - x0) * (w - m.l - m.r); };
    const Y = function (v) { return h - m.b - (v - y0) / (y1 - y0) * (h - m.t - m.b); };
    if (options.band) {
      node('rect', {x: m.l, width: w - m.l - m.r, y: Y(options.band[1]),
                    height: Y(options.band[0]) - Y(options.band[1]), fill: '#2ca02c',
                    opacity: 0.13}, svg);
    }
    yTicks.forEach(function (v, i) {
      node('line', {x1: m.l, x2: w - m.r, y1: Y(v), y2: Y(v), stroke: '#eee'}, svg);
      const t = node('text', {x: m.l - 4, y: Y(v) + 4, 'text-anchor': 'end', class: 'axis'}, svg);
      t.textContent = yLabels[i];
    });
    ticks(x0, x1, 5).forEach(function (v) {
      const text = String(Math.round(v)), half = 3.5 * text.length, x = X(v);
      const anchor = x + half > w ? 'end' : 'middle';   // the last label whole, not cut
      const t = node('text', {x: anchor === 'end' ? w - 1 : x, y: h - 6, 'text-anchor': anchor,
                              class: 'axis'}, svg);
      t.textContent = text;
    });
    node('line', {x1: m.l, x2: m.l, y1: m.t, y2: h - m.b, stroke: '#888'}, svg);
    series.forEach(function (s) {
      const points = [], hover = [];
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i] === null ? NaN : f(s.ys[i]);
        if (!isFinite(y)) continue;
        points.push(X(s.xs[i]).toFixed(1) + ',' + Y(y).toFixed(1));
        hover.push([X(s.xs[i]), Y(y), s.xs[i], s.ys[i]]);
      }
      const line = node('polyline', {points: points.join(' '), fill: 'none', stroke: s.colour,
                                     'stroke-width': s.width || 1.5, 'data-width': s.width || 1.5,
                                     'data-series': s.name}, svg);
      if (s.dash) line.setAttribute('stroke-dasharray', s.dash);
      if (s.dots) points.forEach(function (p) {
        const xy = p.split(',');
        node('circle', {cx: xy[0], cy: xy[1], r: 3.5, fill: s.colour, 'data-series': s.name}, svg);
      });
      svg.hover.push({name: s.name, points: hover});
    });
  }
  function swatch(s, parent) {
    const svg = node('svg', {viewBox: '0 0 22 8', preserveAspectRatio: 'none'}, parent);
    const line = node('line', {x1: 0, x2: 22, y1: 4, y2: 4, stroke: s.colour,
                               'stroke-width': s.dots ? 3 : 2}, svg);
    if (s.dash) line.setAttribute('stroke-dasharray', s.dash);
  }
  function cell(row, s, span) {
    const td = document.createElement('td');
    td.dataset.series = s.name;
    td.title = s.name;
    if (span > 1) td.colSpan = span;
    swatch(s, td);
    row.appendChild(td);
  }
  // The legend as a table: a row per kind of layer (its colour), a column per block (its
  // dash), so each series has its own entry and the whole fits beside the chart.
  function legend(id, series, layout) {
    const box = el(id), table = document.createElement('table');
    box.innerHTML = '';
    box.appendChild(table);
    const groups = layout ? layout.groups : [], span = Math.max(groups.length, 1);
    const byName = {};
    series.forEach(function (s) { byName[s.name] = s; });
    if (groups.length) {
      const head = table.insertRow();
      const corner = document.createElement('th');
      corner.className = 'kind';
      corner.textContent = groups[0].replace(/\.\d+$/, '') + ' →';
      head.appendChild(corner);
      groups.forEach(function (g) {
        const th = document.createElement('th');
        th.textContent = g.replace(/^.*\./, '');
        th.title = g;
        head.appendChild(th);
      });
    }
    const kinds = layout ? layout.kinds : series.map(function (s) { return s.name; });
    kinds.forEach(function (kind) {
      const row = table.insertRow(), th = document.createElement('th');
      th.className = 'kind';
      th.textContent = kind;
      row.appendChild(th);
      if (byName[kind]) { cell(row, byName[kind], span); return; }
      groups.forEach(function (g) {
        const s = byName[g + '.' + kind];
        if (s) cell(row, s, 1); else row.appendChild(document.createElement('td'));
      });
    });
  }
  function highlight(chartBox, name) {
    chartBox.hovered = name;   // kept across redraws while the pointer stays
    chartBox.querySelectorAll('[data-series]').forEach(function (n) {
      const on = n.dataset.series === name;
      if (n.tagName === 'TD') n.classList.toggle('on', on);
      else n.style.opacity = name === null || on ? '' : '0.25';
      if (on && n.tagName === 'polyline') {
        n.setAttribute('stroke-width', 3);
        n.parentNode.appendChild(n);   // in front of the others
      } else if (n.tagName === 'polyline') {
        n.setAttribute('stroke-width', n.dataset.width || 1.5);
      }
    });
  }
  // Hover: the series nearest the pointer is named (with its step and value) and brought forward
  function hoverable(svg) {
    const box = svg.parentNode, tip = box.querySelector('.tip');
    svg.addEventListener('mousemove', function (event) {
      const r = svg.getBoundingClientRect(), x = event.clientX - r.left, y = event.clientY - r.top;
      let best = null, distance = 400;   // within 20 px
      (svg.hover || []).forEach(function (s) {
        s.points.forEach(function (p) {
          const d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y);
          if (d < distance) { distance = d; best = {name: s.name, p: p}; }
        });
      });
      if (!best) { tip.style.display = 'none'; highlight(box, null); return; }
      tip.textContent = best.name + ' — step ' + best.p[2] + ': ' + (+best.p[3].toPrecision(3));
      tip.style.display = 'block';
      tip.style.left = Math.min(x + 12, r.width - tip.offsetWidth) + 'px';
      tip.style.top = Math.max(y - 24, 0) + 'px';
      highlight(box, best.name);
    });
    svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; highlight(box, null); });
    box.querySelector('.legend').addEventListener('mouseover', function (event) {
      const td = event.target.closest('td[data-series]');
      highlight(box, td ? td.dataset.series : null);
    });
    box.querySelector('.legend').addEventListener('mouseleave', function () { highlight(box, null); });
  }
  function layerSeries(table, layout) {
    return Object.keys(table).map(function (name) {
      const style = layout.styles[name];
      return {name: name, xs: table[name][0], ys: table[name][1], colour: style.colour,
              dash: style.dash};
    });
  }
  function drawCurves() {
    const lossSeries = [{name: 'training', xs: run.steps, ys: run.losses, colour: '#1f77b4',
                         width: 1}];
    if (run.val.length) lossSeries.push({name: 'validation', colour: '#d62728', dots: true,
      xs: run.val.map(function (v) { return v[0]; }),
      ys: run.val.map(function (v) { return v[1]; })});
    chart(el('loss'), lossSeries, {});
    el('loss').setAttribute('data-points', run.steps.length);
    legend('loss-legend', lossSeries, null);
    const layout = styles(Object.keys(run.layers));
    const norms = layerSeries(run.layers, layout), ratios = layerSeries(run.ratios, layout);
    chart(el('norms'), norms, {log: true});
    legend('norms-legend', norms, layout);
    chart(el('ratios'), ratios, {band: [-3.5, -2.5]});
    legend('ratios-legend', ratios, layout);
    ['loss', 'norms', 'ratios'].forEach(function (id) {
      const box = el(id).parentNode;
      if (box.hovered) highlight(box, box.hovered);
    });
  }
  // A histogram with its counts on a log scale: height ∝ log10(1 + count), so a bin of 1 shows
  // and a spike of thousands does not flatten the rest
  function bars(parent, histogram, colour, what) {
    const w = 240, h = 64, left = 22;
    const svg = node('svg', {viewBox: '0 0 ' + w + ' ' + (h + 14), width: '100%'}, parent);
    const counts = histogram.counts || [];
    const top = Math.log10(1 + Math.max.apply(null, counts.concat([1])));
    const H = function (c) { return h * Math.log10(1 + c) / top; };
    for (let decade = 1; decade <= Math.pow(10, top); decade *= 10) {
      node('line', {x1: left, x2: w, y1: h - H(decade), y2: h - H(decade), stroke: '#e4e4e4'}, svg);
      const t = node('text', {x: left - 2, y: h - H(decade) + 3, 'text-anchor': 'end',
                              'font-size': 8, fill: '#666'}, svg);
      t.textContent = decade >= 1000 ? decade / 1000 + 'k' : decade;
    }
    const bw = (w - left) / Math.max(counts.length, 1);
    counts.forEach(function (c, i) {
      node('rect', {x: left + i * bw, width: bw - 0.5, y: h - H(c), height: H(c), fill: colour},
           svg);
    });
    const e = histogram.edges || [];
    if (e.length) {
      if (e[0] < 0 && e[e.length - 1] > 0) {   // where zero lies
        const x = left + (0 - e[0]) / (e[e.length - 1] - e[0]) * (w - left);
        node('line', {x1: x, x2: x, y1: 0, y2: h + 2, stroke: '#333', 'stroke-dasharray': '2 2'}, svg);
      }
      const t = node('text', {x: left, y: h + 12, class: 'axis'}, svg);
      t.textContent = what + ' ' + (+e[0].toPrecision(2)) + ' … ' + (+e[e.length - 1].toPrecision(2));
    }
  }
  function drawHistograms() {
    const d = run.pictures, box = el('histograms');
    if (!d || !d.activations) return;
    box.innerHTML = '';
    el('hist-title').textContent = 'activations and their gradients at step ' + d.step;
    Object.keys(d.activations).forEach(function (name) {
      const a = d.activations[name], cell = document.createElement('div');
      const title = document.createElement('div');
      title.className = 'title';
      title.textContent = name + ' — saturated ' + (100 * a.saturation).toFixed(1) + ' %';
      cell.appendChild(title);
      if (a.histogram) bars(cell, a.histogram, '#4c72b0', 'value');
      if (a.grad_histogram) bars(cell, a.grad_histogram, '#dd8452', 'gradient');
      box.appendChild(cell);
    });
  }
  function drawTable() {
    const d = run.pictures, svg = el('table');
    if (!d || !d.embedding_table) return;
    const rows = d.embedding_table, width = rows[0].length;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + rows.length);
    svg.setAttribute('preserveAspectRatio', 'none');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    let top = 1e-12;
    rows.forEach(function (row) { row.forEach(function (v) { top = Math.max(top, Math.abs(v)); }); });
    rows.forEach(function (row, i) {
      row.forEach(function (v, j) {
        const share = Math.abs(v) / top;
        node('rect', {x: j, y: i, width: 1, height: 1,
                      fill: v > 0 ? 'rgba(214,39,40,' + share + ')' : 'rgba(31,119,180,' + share + ')'}, svg);
      });
    });
  }
  function drawEmbedding() {
    drawTable();
    const d = run.pictures, svg = el('embedding');
    if (!d || !d.embedding) return;
    el('embedding-title').textContent = 'character embeddings at step ' + d.step;
    const pts = d.embedding, box = svg.getBoundingClientRect();
    const w = Math.max(box.width, 200), h = Math.max(box.height, 150);
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    const x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    const y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    pts.forEach(function (p, i) {
      const x = 16 + (p[0] - x0) / ((x1 - x0) || 1) * (w - 32);
      const y = h - 16 - (p[1] - y0) / ((y1 - y0) || 1) * (h - 32);
      node('circle', {cx: x, cy: y, r: 3, fill: '#4c72b0'}, svg);
      const t = node('text', {x: x + 5, y: y + 5, 'font-size': 14}, svg);
      t.textContent = character(i);
    });
  }
  // A token as one visible glyph: the boundary token (decoded as '') as ·, a space as ␣
  function character(id) {
    const c = run.vocabulary[id] === undefined ? String(id) : run.vocabulary[id];
    return c === '' ? '·' : c === ' ' ? '␣' : c === '\n' ? '⏎' : c;
  }
  // One head's map: row = query, column = key, the sequence's characters along both axes
  function headMap(map, tokens, caption) {
    const fig = document.createElement('figure'), n = map.length, cellSize = 10, margin = 11;
    const size = margin + n * cellSize;
    const svg = node('svg', {width: size, height: size, viewBox: '0 0 ' + size + ' ' + size}, fig);
    map.forEach(function (row, i) { row.forEach(function (v, j) {
      node('rect', {x: margin + j * cellSize, y: margin + i * cellSize, width: cellSize,
                    height: cellSize, fill: 'rgba(31,119,180,' + v + ')'}, svg);
    }); });
    (tokens || []).forEach(function (id, i) {
      const c = character(id), middle = margin + (i + 0.5) * cellSize;
      node('text', {x: middle, y: margin - 2, 'text-anchor': 'middle'}, svg).textContent = c;
      node('text', {x: margin / 2, y: middle + 3, 'text-anchor': 'middle'}, svg).textContent = c;
    });
    const cap = document.createElement('figcaption');
    cap.textContent = caption;
    fig.appendChild(cap);
    return fig;
  }
  function drawBlocks(paths) {
    const box = el('blocks');
    box.innerHTML = '';
    if (paths.length < 2) return;
    box.appendChild(document.createTextNode('block: '));
    paths.forEach(function (path) {
      const b = document.createElement('button');
      b.textContent = path.replace(/\.attn$/, '');
      b.className = path === run.block ? 'on' : '';
      b.onclick = function () { run.block = path; dirty.pictures = true; };
      box.appendChild(b);
    });
  }
  function drawRight() {
    const list = el('samples');
    list.innerHTML = '';
    run.samples.forEach(function (s) {
      const li = document.createElement('li');
      li.textContent = s === '' ? '(empty)' : s;
      list.appendChild(li);
    });
    if (run.samplesStep !== null) el('right-title').textContent = 'samples at step ' + run.samplesStep;
    const d = run.pictures, heads = el('heads');
    heads.innerHTML = '';
    if (!d || !d.attention) return;
    const paths = Object.keys(d.attention);
    if (paths.indexOf(run.block) < 0) run.block = paths[paths.length - 1];   // the last block
    drawBlocks(paths);
    el('right-note').textContent = 'samples drawn at the last validation; below, the attention ' +
      'weights at step ' + d.step + ' on the batch\'s first sequence (row: query, column: key; ' +
      'darker: more; ·: the boundary token)';
    const name = run.block.replace(/\.attn$/, '');
    d.attention[run.block].forEach(function (map, k) {
      heads.appendChild(headMap(map, d.attention_tokens, name + ' head ' + (k + 1)));
    });
  }
  function setStatus(text) {
    const s = el('status');
    s.textContent = text;
    s.className = text;
  }
  // A record with pictures (histograms, embedding, attention): the picture panels show it,
  // each labelled with its step, and nothing of another step
  function hasPictures(record) {
    return record.embedding || record.attention || Object.keys(record.activations || {})
      .some(function (name) { return record.activations[name].histogram; });
  }
  function takeStep(record) {
    run.steps.push(record.step); run.losses.push(record.loss);
    el('step').textContent = record.step;
    el('last-loss').textContent = record.loss === null ? 'NaN' : record.loss.toFixed(4);
    if (!record.layers) return;
    Object.keys(record.layers).forEach(function (name) {
      const l = record.layers[name];
      run.layers[name] = run.layers[name] || [[], []];
      run.layers[name][0].push(record.step); run.layers[name][1].push(l.grad_norm);
      run.ratios[name] = run.ratios[name] || [[], []];
      if (l.update_ratio !== null) {
        run.ratios[name][0].push(record.step); run.ratios[name][1].push(l.update_ratio);
      }
    });
    if (hasPictures(record)) { run.pictures = record; dirty.pictures = true; }
  }
  function take(event) {
    if (event.kind === 'reset') {
      run.steps = []; run.losses = []; run.val = []; run.layers = {}; run.ratios = {};
    } else if (event.kind === 'hello') {
      el('title').textContent = event.model + ' — ' + event.parameters.toLocaleString() +
        ' parameters';
      run.total = event.steps; run.vocabulary = event.vocabulary;
      el('total').textContent = event.steps;
      el('lr').value = event.lr;
      const shown = run.steps.length ? run.steps[run.steps.length - 1] : 0;   // a run trained on
      event.history.forEach(function (p) {
        if (p[0] > shown) { run.steps.push(p[0]); run.losses.push(p[1]); }
      });
      run.val = event.validation.slice();
      setStatus('running');
    } else if (event.kind === 'steps') {
      event.records.forEach(takeStep);
    } else if (event.kind === 'val') {
      run.val.push([event.step, event.val_loss]);
      run.samples = event.samples;
      run.samplesStep = event.step;
      dirty.pictures = true;
    } else if (event.kind === 'control') {
      setStatus(event.paused ? 'paused' : 'running');
    } else if (event.kind === 'lr') {
      el('message').textContent = 'learning rate ' + event.lr + ' from step ' + (event.step + 1);
    } else if (event.kind === 'graph') {
      el('graph-title').textContent = 'the model\'s graph at step ' + event.step;
      const box = el('graph');
      if (event.svg) {
        box.innerHTML = event.svg;
      } else {
        box.innerHTML = '';
        const img = document.createElement('img');
        img.src = 'graph.svg?step=' + event.step +
          '&token=' + encodeURIComponent(window.backproplabToken || '');
        img.alt = 'the model graph at step ' + event.step;
        box.appendChild(img);
      }
    } else if (event.kind === 'finished') {
      setStatus('finished');
    } else if (event.kind === 'disconnected') {
      if (el('status').textContent !== 'finished') setStatus('disconnected');
    }
    dirty.curves = true;
  }
  const dirty = {curves: false, pictures: false};
  function redraw() {
    if (dirty.curves) { drawCurves(); dirty.curves = false; }
    if (dirty.pictures) { drawHistograms(); drawEmbedding(); drawRight(); dirty.pictures = false; }
    requestAnimationFrame(redraw);
  }
  requestAnimationFrame(redraw);
  ['loss', 'norms', 'ratios'].forEach(function (id) { hoverable(el(id)); });
  if (!options.controls) root.querySelector('.controls').style.display = 'none';
  el('pause').onclick = function () { send('pause'); };
  el('resume').onclick = function () { send('resume'); };
  el('one-step').onclick = function () { send('step'); };
  el('set-lr').onclick = function () { send('lr', el('lr').value); };
  window.addEventListener('resize', function () { dirty.curves = dirty.pictures = true; });
  return take;
}
