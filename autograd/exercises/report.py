"""A check's results as people and graders read them: a table (one line per exercise and item,
pass/fail and points) and Gradescope's autograder results (`results.json`: a total `score`,
and `tests`, each with `name`, `score`, `max_score`, `status` and `output`; see
https://gradescope-autograders.readthedocs.io/en/latest/specs/)."""

from __future__ import annotations

import json
from typing import Any

from autograd.exercises.checker import Report


def _points(x: float) -> str:
    return f"{x:g}"


def table(report: Report) -> str:
    rows = [("exercise", "item", "result", "points", "")]
    for o in report.outcomes:
        rows.append((o.exercise, o.item, "pass" if o.passed else "FAIL",
                     f"{_points(o.points)}/{_points(o.max_points)}", o.message))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths)) + ("  " + r[4] if r[4] else "")
             for r in rows]
    lines.append(f"total {_points(report.score)}/{_points(report.max_score)} "
                 f"({sum(o.passed for o in report.outcomes)} of {len(report.outcomes)} passed) "
                 f"in {report.seconds:.1f} s")
    return "\n".join(line.rstrip() for line in lines)


def gradescope(report: Report) -> dict[str, Any]:
    tests = [{"name": f"{o.exercise}: {o.item}", "number": str(k), "score": o.points,
              "max_score": o.max_points, "status": "passed" if o.passed else "failed",
              "output": o.message or "passed"}
             for k, o in enumerate(report.outcomes, start=1)]
    return {"score": report.score, "execution_time": round(report.seconds),
            "output": f"backproplab exercises: {_points(report.score)} of "
                      f"{_points(report.max_score)} points", "tests": tests}


def gradescope_json(report: Report) -> str:
    return json.dumps(gradescope(report), indent=2, ensure_ascii=False) + "\n"
