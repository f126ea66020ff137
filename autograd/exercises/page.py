"""The feedback page of a wrong backward pass: the explorer of the student's pass beside the
reference's, both opened at the first gate whose downstream gradient differs.

Above them: the verdict in one line (and the mistake, when it is a common one), every gate in
the engine's order — those before the first wrong one marked as agreeing — and the differing
entries of the wrong gradient outlined, with the student's number and the expected one. In both
explorers the wrong gate is outlined in red and the agreeing gates in green. The explorer pages
are `autograd.tools.explorer.step_page`'s, unchanged, with a small script that adds the marks
and steps to the gate.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from autograd.exercises.compare import Comparison, Difference
from autograd.plumbing.atomic import write_files_atomically
from autograd.tools.draw import gate_id
from autograd.tools.explorer import step_page
from autograd.tools.trace import trace_backward

MARKS = """<style>
.bpl-explorer g.node.bpl-differs path, .bpl-explorer g.node.bpl-differs polygon {
  stroke: #c0392b !important; stroke-width: 6px !important; }
.bpl-explorer g.node.bpl-agrees path, .bpl-explorer g.node.bpl-agrees polygon {
  stroke: #1e8449 !important; stroke-width: 4px !important; }
</style>
<script>
(function () {
  const marks = __MARKS__, step = __STEP__;
  function mark() {
    document.querySelectorAll('g.node').forEach(function (g) {
      const title = g.querySelector('title'), m = title && marks[title.textContent];
      if (m && !g.classList.contains('bpl-' + m)) g.classList.add('bpl-' + m);
    });
  }
  new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  mark();
  const next = document.getElementById('next');
  for (let i = 0; i < step; i++) next.click();
})();
</script>
"""


def marked_explorer(build: object, first: int, title: str) -> str:
    """The explorer page of the network `build()` makes, its gates before step `first` marked as
    agreeing and gate `first` as wrong, opened at that gate."""
    loss = build()   # type: ignore[operator]
    order = [gate_id(s.output) for s in trace_backward(loss, retain_graph=True)]
    marks = {g: "agrees" for g in order[:first]}
    if first < len(order):
        marks[order[first]] = "differs"
    page = step_page(loss, title, depth=0)
    script = MARKS.replace("__MARKS__", json.dumps(marks)).replace("__STEP__", str(first + 1))
    cut = page.rindex("</body>")
    return page[:cut] + script + page[cut:]


ROWS, COLUMNS = 6, 10   # the most of a gradient the page tabulates (a weight matrix is larger)


def _grid(difference: Difference) -> str:
    """The gradient's entries; differing ones outlined, with both numbers."""
    yours, expected = np.atleast_2d(difference.yours), np.atleast_2d(difference.expected)
    if yours.ndim > 2:
        yours, expected = yours.reshape(-1, yours.shape[-1]), expected.reshape(-1, expected.shape[-1])
    shown = f" (the first {ROWS}×{COLUMNS} of {yours.shape[0]}×{yours.shape[1]})" if (
        yours.shape[0] > ROWS or yours.shape[1] > COLUMNS) else ""
    rows = []
    for mine_row, right_row in zip(yours[:ROWS, :COLUMNS], expected[:ROWS, :COLUMNS]):
        cells = []
        for mine, right in zip(mine_row + 0.0, right_row + 0.0):   # + 0.0: no "-0" shown
            if np.isclose(mine, right, rtol=1e-5, atol=1e-7):
                cells.append(f'<td class="ok">{right:.4g}</td>')
            else:
                cells.append(f'<td class="wrong" title="yours {mine:.6g}, expected {right:.6g}">'
                             f'<b>{mine:.4g}</b><br><i>{right:.4g}</i></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="grad"><div>∂L/∂{html.escape(difference.name)} '
            f'{difference.expected.shape}{shown}: outlined entries differ — <b>yours</b> over '
            f'<i>expected</i></div><table>{"".join(rows)}</table></div>')


def _steps(comparison: Comparison) -> str:
    items = []
    for index, gate in enumerate(comparison.gates):
        first = comparison.first if comparison.first is not None else len(comparison.gates)
        status, css = (("agrees", "ok") if index < first else
                       ("first difference", "wrong") if index == first else ("not compared", "later"))
        items.append(f'<li class="{css}" title="{status}">{index + 1}. {html.escape(gate)}'
                     f'{" ✓" if css == "ok" else " ✗" if css == "wrong" else ""}</li>')
    return ('<div class="gates"><div>the gates in the engine\'s order: <span class="ok">✓ agrees'
            '</span>, <span class="wrong">✗ first difference</span>, <span class="later">not '
            f'compared</span></div><ul class="steps">{"".join(items)}</ul></div>')


STYLE = """<style>
body { font: 14px system-ui, sans-serif; margin: 0; padding: 8px 12px; color: #222; }
h1 { font-size: 17px; margin: 2px 0 4px; }
.verdict { color: #922; margin: 2px 0; } .hint { font-weight: bold; color: #922; margin: 2px 0 6px; }
.top { display: flex; gap: 18px; align-items: flex-start; }
.gates { max-width: 560px; font-size: 13px; }
.steps { margin: 3px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 3px 6px; list-style: none; }
.steps li { border: 1px solid #ccc; border-radius: 3px; padding: 0 4px; }
.ok { color: #1e8449; } .wrong { color: #c0392b; font-weight: bold; } .later { color: #888; }
.steps li.wrong { border: 2px solid #c0392b; }
.grad table { border-collapse: collapse; margin-top: 3px; font-size: 12px; }
.grad td { border: 1px solid #ddd; padding: 2px 5px; text-align: right; min-width: 44px; }
.grad td.wrong { outline: 3px solid #c0392b; outline-offset: -3px; background: #fdecea; }
.grad td.ok { color: #1e8449; }
.frames { display: flex; gap: 8px; margin-top: 8px; }
.frames div { flex: 1; min-width: 0; } .frames h2 { font-size: 14px; margin: 0 0 2px; }
iframe { width: 100%; height: 560px; border: 1px solid #bbb; }
</style>"""


def feedback_page(exercise: str, comparison: Comparison, yours: str, reference: str,
                  inline: bool = False) -> str:
    """The wrapper page. `yours`/`reference` are the explorer pages' file names, or (inline)
    the pages themselves, embedded with srcdoc."""
    def frame(page: str, label: str) -> str:
        source = (f'srcdoc="{html.escape(page, quote=True)}"' if inline
                  else f'src="{html.escape(page, quote=True)}"')
        return f'<div><h2>{label}</h2><iframe {source} title="{label}"></iframe></div>'

    grids = "".join(_grid(d) for d in comparison.differences)
    hint = f'<p class="hint">{html.escape(comparison.hint)}</p>' if comparison.hint else ""
    verdict = comparison.message.split(" — ")[0]
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(exercise)}: '
            f'where the gradient goes wrong</title>{STYLE}</head><body>'
            f'<h1>{html.escape(exercise)}: where your backward pass first goes wrong</h1>'
            f'<p class="verdict">{html.escape(verdict)}</p>{hint}'
            f'<div class="top">{_steps(comparison)}{grids}</div>'
            f'<div class="frames">{frame(yours, "your backward pass")}'
            f'{frame(reference, "the reference")}</div></body></html>')


def explorer_pages(exercise: str, comparison: Comparison) -> tuple[str, str]:
    assert comparison.builds is not None and comparison.first is not None
    student, reference = comparison.builds
    return (marked_explorer(student, comparison.first, f"{exercise}: your backward pass"),
            marked_explorer(reference, comparison.first, f"{exercise}: the reference"))


def write_feedback(folder: str | Path, exercise: str, comparison: Comparison) -> Path:
    """Write FOLDER/EXERCISE.html (the page to open) and the two explorers beside it."""
    folder = Path(folder)
    yours, reference = explorer_pages(exercise, comparison)
    names = (f"{exercise}-yours.html", f"{exercise}-reference.html")
    page = folder / f"{exercise}.html"
    write_files_atomically({folder / names[0]: yours, folder / names[1]: reference,
                            page: feedback_page(exercise, comparison, *names)})
    return page


def inline_feedback(exercise: str, comparison: Comparison) -> str:
    """The same page as one string, for a notebook cell (explorers embedded)."""
    return feedback_page(exercise, comparison, *explorer_pages(exercise, comparison), inline=True)
