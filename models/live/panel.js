'use strict';
const PANEL_MARKUP = `<style>
  .bpl-live, .bpl-live * { box-sizing: border-box; }
  .bpl-live { margin: 0; font: 14px/1.35 system-ui, Helvetica, Arial, sans-serif; color: #222;
         background: #f4f5f7; }
  .bpl-live header { display: flex; align-items: center; gap: 14px; padding: 8px 14px; background: #fff;
           border-bottom: 1px solid #ddd; flex-wrap: wrap; }
  .bpl-live header h1 { font-size: 17px; margin: 0; }
  .bpl-live #status { font-weight: 600; padding: 2px 8px; border-radius: 4px; background: #e3f2e1; }
  .bpl-live #status.paused { background: #fde9c8; } .bpl-live #status.finished { background: #e5e5e5; }
  .bpl-live button, input { font: inherit; padding: 3px 10px; }
  .bpl-live input[type=number] { width: 7.5em; padding: 3px 4px; }
  .bpl-live #message { color: #b00020; }
  .bpl-live main { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 10px; padding: 10px; }
  .bpl-live .panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px;
           min-height: 300px; display: flex; flex-direction: column; }
  .bpl-live .panel h2 { font-size: 14px; margin: 0 0 4px; }
  .bpl-live .panel .note { font-size: 12px; color: #555; margin: 0 0 4px; }
  .bpl-live .chart { display: flex; gap: 6px; flex: 1; min-height: 0; }
  .bpl-live .chart svg.table { flex: 0 0 34%; }
  .bpl-live .chart svg { flex: 1; min-width: 0; height: 230px; }
  .bpl-live .legend { font-size: 12px; max-width: 38%; overflow: auto; max-height: 230px; }
  .bpl-live .legend div { white-space: nowrap; } .legend span { display: inline-block; width: 14px;
           height: 3px; margin-right: 4px; vertical-align: middle; }
  .bpl-live .axis { font-size: 11px; fill: #444; }
  .bpl-live #histograms { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 10px; overflow: auto; }
  .bpl-live #histograms .title { font-size: 12px; }
  .bpl-live #samples { font-family: ui-monospace, Menlo, monospace; font-size: 14px; margin: 0;
             padding: 0; list-style: none; overflow: auto; }
  .bpl-live .wide { grid-column: 1 / -1; min-height: 0; }
  .bpl-live #graph { overflow: auto; max-height: 520px; }
  .bpl-live #graph img, .bpl-live #graph svg { max-width: none; }   /* natural size: legible */
  .bpl-live #heads { display: flex; flex-wrap: wrap; gap: 6px; overflow: auto; }
  .bpl-live #heads figure { margin: 0; font-size: 12px; text-align: center; }
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
    <div class="chart"><svg id="loss" data-points="0"></svg><div class="legend" id="loss-legend"></div></div></section>
  <section class="panel"><h2>gradient norm per layer</h2>
    <p class="note">‖∂L/∂W‖ of each weight matrix, log scale</p>
    <div class="chart"><svg id="norms"></svg><div class="legend" id="norms-legend"></div></div></section>
  <section class="panel"><h2>update-to-weight ratio per layer</h2>
    <p class="note">log10(std ΔW / std W) of each step's real update; green: healthy (≈ −3)</p>
    <div class="chart"><svg id="ratios"></svg><div class="legend" id="ratios-legend"></div></div></section>
  <section class="panel"><h2>activations and their gradients</h2>
    <p class="note" id="hist-note">values (blue) and gradients (orange) of each nonlinearity, last recorded step</p>
    <div id="histograms"></div></section>
  <section class="panel"><h2>character embeddings</h2>
    <p class="note">left, the table: a row per token in vocabulary order, a column per dimension
      (red +, blue −); right, each row on the table's two principal axes</p>
    <div class="chart"><svg id="table" class="table"></svg><svg id="embedding"></svg></div></section>
  <section class="panel"><h2 id="right-title">samples</h2>
    <p class="note" id="right-note">drawn from the model at each validation</p>
    <ul id="samples"></ul><div id="heads"></div></section>
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

  'use strict';
  const NS = 'http://www.w3.org/2000/svg';
  const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
                   '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39'];
  const run = {steps: [], losses: [], val: [], layers: {}, ratios: {}, vocabulary: [],
               lastDiag: null, samples: [], total: 0};
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
  // One chart: series = [{name, xs, ys, colour, dots}]; log: y on a log10 scale
  function chart(svg, series, options) {
    const box = svg.getBoundingClientRect();
    const w = Math.max(box.width, 200), h = Math.max(box.height, 150);
    const m = {l: 46, r: 8, t: 6, b: 22};
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const f = options.log ? function (v) { return Math.log10(Math.max(v, 1e-12)); }
                          : function (v) { return v; };
    let xs = [], ys = [];
    series.forEach(function (s) { xs = xs.concat(s.xs); ys = ys.concat(s.ys.map(f)); });
    ys = ys.filter(function (v) { return isFinite(v); });
    if (!xs.length || !ys.length) return;
    let x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    let y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (options.band) { y0 = Math.min(y0, options.band[0]); y1 = Math.max(y1, options.band[1]); }
    if (x1 === x0) x1 = x0 + 1;
    if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    const X = function (v) { return m.l + (v - x0) / (x1 - x0) * (w - m.l - m.r); };
    const Y = function (v) { return h - m.b - (v - y0) / (y1 - y0) * (h - m.t - m.b); };
    if (options.band) {
      node('rect', {x: m.l, width: w - m.l - m.r, y: Y(options.band[1]),
                    height: Y(options.band[0]) - Y(options.band[1]), fill: '#2ca02c',
                    opacity: 0.13}, svg);
    }
    ticks(y0, y1, 5).forEach(function (v) {
      node('line', {x1: m.l, x2: w - m.r, y1: Y(v), y2: Y(v), stroke: '#eee'}, svg);
      const t = node('text', {x: m.l - 4, y: Y(v) + 4, 'text-anchor': 'end', class: 'axis'}, svg);
      t.textContent = options.log ? +Math.pow(10, v).toPrecision(2) : +v.toPrecision(3);
    });
    ticks(x0, x1, 5).forEach(function (v) {
      const t = node('text', {x: X(v), y: h - 6, 'text-anchor': 'middle', class: 'axis'}, svg);
      t.textContent = Math.round(v);
    });
    node('line', {x1: m.l, x2: m.l, y1: m.t, y2: h - m.b, stroke: '#888'}, svg);
    series.forEach(function (s) {
      const points = [];
      for (let i = 0; i < s.xs.length; i++) {
        const y = f(s.ys[i]);
        if (isFinite(y)) points.push(X(s.xs[i]).toFixed(1) + ',' + Y(y).toFixed(1));
      }
      node('polyline', {points: points.join(' '), fill: 'none', stroke: s.colour,
                        'stroke-width': s.width || 1.5}, svg);
      if (s.dots) points.forEach(function (p) {
        const xy = p.split(',');
        node('circle', {cx: xy[0], cy: xy[1], r: 3.5, fill: s.colour}, svg);
      });
    });
  }
  function legend(id, series) {
    const box = el(id);
    box.innerHTML = '';
    series.forEach(function (s) {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.style.background = s.colour;
      row.appendChild(swatch);
      row.appendChild(document.createTextNode(s.name));
      box.appendChild(row);
    });
  }
  function layerSeries(table) {
    return Object.keys(table).sort().map(function (name, i) {
      return {name: name, xs: table[name][0], ys: table[name][1],
              colour: COLOURS[i % COLOURS.length]};
    });
  }
  function drawCurves() {
    const lossSeries = [{name: 'training', xs: run.steps, ys: run.losses, colour: '#1f77b4',
                         width: 1}];
    if (run.val.length) lossSeries.push({name: 'validation', colour: '#d62728', dots: true,
      xs: run.val.map(function (v) { return v[0]; }), ys: run.val.map(function (v) { return v[1]; })});
    chart(el('loss'), lossSeries, {});
    el('loss').setAttribute('data-points', run.steps.length);
    legend('loss-legend', lossSeries);
    const norms = layerSeries(run.layers), ratios = layerSeries(run.ratios);
    chart(el('norms'), norms, {log: true});
    legend('norms-legend', norms);
    chart(el('ratios'), ratios, {band: [-3.5, -2.5]});
    legend('ratios-legend', ratios);
  }
  function bars(parent, histogram, colour, label) {
    const w = 240, h = 70;
    const svg = node('svg', {viewBox: '0 0 ' + w + ' ' + (h + 14), width: '100%'}, parent);
    const counts = histogram.counts || [];
    const top = Math.max.apply(null, counts.concat([1]));
    counts.forEach(function (c, i) {
      const bw = w / counts.length;
      node('rect', {x: i * bw, width: bw - 0.5, y: h - h * c / top, height: h * c / top,
                    fill: colour}, svg);
    });
    if (histogram.edges && histogram.edges.length) {
      const e = histogram.edges;
      const t = node('text', {x: 0, y: h + 12, class: 'axis'}, svg);
      t.textContent = label + ' ' + (+e[0].toPrecision(2)) + ' … ' + (+e[e.length - 1].toPrecision(2));
    }
  }
  function drawHistograms() {
    const d = run.lastDiag, box = el('histograms');
    if (!d || !d.activations) return;
    box.innerHTML = '';
    el('hist-note').textContent = 'values (blue) and gradients (orange) of each nonlinearity ' +
      'at step ' + (d.pictureStep || d.step) + '; saturated (derivative ≈ 0) at step ' + d.step;
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
    const d = run.lastDiag, svg = el('table');
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
    const d = run.lastDiag, svg = el('embedding');
    if (!d || !d.embedding) return;
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
      t.textContent = run.vocabulary[i] === undefined ? i : run.vocabulary[i];
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
    const d = run.lastDiag, heads = el('heads');
    heads.innerHTML = '';
    if (!d || !d.attention) return;
    el('right-title').textContent = 'samples and attention';
    el('right-note').textContent = 'samples at each validation; below, each head\'s attention ' +
      'weights on the batch\'s first sequence (row: query, column: key; darker: more)';
    d.attention.forEach(function (map, k) {
      const fig = document.createElement('figure'), n = map.length, size = 104;
      const svg = node('svg', {width: size, height: size, viewBox: '0 0 ' + n + ' ' + n}, fig);
      map.forEach(function (row, i) { row.forEach(function (v, j) {
        node('rect', {x: j, y: i, width: 1, height: 1, fill: 'rgba(31,119,180,' + v + ')'}, svg);
      }); });
      const cap = document.createElement('figcaption');
      cap.textContent = 'head ' + (k + 1);
      fig.appendChild(cap);
      heads.appendChild(fig);
    });
  }
  function setStatus(text) {
    const s = el('status');
    s.textContent = text;
    s.className = text;
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
    if (record.activations) {   // pictures come every fifth record: keep the last ones
      const last = run.lastDiag || {}, activations = {};
      Object.keys(record.activations).forEach(function (name) {
        const now = record.activations[name], before = (last.activations || {})[name] || {};
        activations[name] = Object.assign({}, before, now);
      });
      run.lastDiag = Object.assign({}, last, record, {activations: activations,
        embedding: record.embedding || last.embedding, attention: record.attention || last.attention,
        embedding_table: record.embedding_table || last.embedding_table,
        pictureStep: Object.keys(record.activations).some(function (name) {
          return record.activations[name].histogram; }) ? record.step : last.pictureStep});
    }
    dirty.pictures = true;
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
      event.history.forEach(function (p) { run.steps.push(p[0]); run.losses.push(p[1]); });
      run.val = event.validation.slice();
      setStatus('running');
    } else if (event.kind === 'steps') {
      event.records.forEach(takeStep);
    } else if (event.kind === 'val') {
      run.val.push([event.step, event.val_loss]);
      run.samples = event.samples;
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
  if (!options.controls) root.querySelector('.controls').style.display = 'none';
  }
  requestAnimationFrame(redraw);
  if (!options.controls) root.querySelector('.controls').style.display = 'none';
  el('pause').onclick = function () { send('pause'); };
  el('resume').onclick = function () { send('resume'); };
  el('one-step').onclick = function () { send('step'); };
  el('set-lr').onclick = function () { send('lr', el('lr').value); };
  window.addEventListener('resize', function () { dirty.curves = dirty.pictures = true; });
  return take;
}
