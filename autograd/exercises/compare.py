"""Two backward passes side by side: the student's network and the reference's, built on the same
numbers, traced gate by gate in the engine's order (`trace_backward`). The first gate whose
downstream gradient differs is where the student's gradient first goes wrong: every gate before
it agrees (its upstream gradient is right, so the mistake is inside that gate)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.core.value import Value
from autograd.exercises.diagnose import Probe, close, diagnose
from autograd.exercises.diagnose import layer_norm_without_means as _layer_norm
from autograd.exercises.diagnose import overwritten_rows as _overwritten
from autograd.exercises.diagnose import recurrent_term_missing as _recurrent
from autograd.exercises.diagnose import softmax_diagonal_only as _diagonal
from autograd.exercises.grading import Failed, one_line, run_student
from autograd.tools.trace import Trace, label, trace_backward

# the one-gate rules, by the gate they are about (a rule fires only where it fits)
RULES = {"Softmax": (_diagonal,), "MaskedSoftmax": (_diagonal,), "LayerNorm": (_layer_norm,),
         "Embedding": (_overwritten,), "RNNCell": (_recurrent,)}


@dataclass
class Difference:
    """An input of the first wrong gate: its label, the student's and the expected gradient."""

    name: str
    yours: np.ndarray
    expected: np.ndarray


@dataclass
class Comparison:
    message: str = ""                  # "" when the passes agree
    first: int | None = None           # index of the first wrong step (engine order)
    gates: list[str] = field(default_factory=list)      # "Gate → output" per step
    differences: list[Difference] = field(default_factory=list)
    hint: str = ""
    builds: tuple[Callable[[], Value], Callable[[], Value]] | None = None


def compare_passes(student: Callable[[], Value], reference: Callable[[], Value]) -> Comparison:
    """Build both networks (same data), run both backward passes and find the first gate whose
    downstream gradient differs. Never raises for the student's errors. The gates are paired by
    their place in the engine's order, not by name (`MyTanh` answers `Tanh`)."""
    comparison = Comparison(builds=(student, reference))
    try:
        _compare(comparison, student, reference)
    except Failed as failure:
        comparison.message = str(failure)
    except Exception as error:   # what the student's gates sent cannot be compared
        comparison.message = f"your backward pass cannot be compared: {one_line(error)}"
        comparison.first = None
    return comparison


def _compare(comparison: Comparison, student: Callable[[], Value],
             reference: Callable[[], Value]) -> None:
    ours = run_student(student, "building the network from your gates")
    theirs = reference()
    if not close(ours.data, theirs.data):
        raise Failed(f"forward: your network's loss is {float(np.asarray(ours.data).sum()):.6g}, "
                     f"the reference's {float(np.asarray(theirs.data).sum()):.6g} (check the "
                     "forward passes of your gates first)")
    traced = run_student(lambda: trace_backward(ours, retain_graph=True), "backward")
    expected = trace_backward(theirs, retain_graph=True)
    comparison.gates = [f"{s.gate} → {label(s.output, expected.labels)}" for s in expected]
    if len(traced) != len(expected):
        raise Failed(f"your network's backward pass has {len(traced)} gates, the reference's "
                     f"{len(expected)} (keep the skeleton's composition)")
    for index, (mine, right) in enumerate(zip(traced, expected)):
        differences = _differences(mine, right, expected)
        if differences:
            _report(comparison, index, right, differences, expected)
            return


def _differences(mine: Any, right: Any, trace: Trace) -> list[tuple[int, Difference]]:
    found = []
    for position, (a, b, value) in enumerate(zip(mine.downstream, right.downstream, right.inputs)):
        if b is None:
            continue
        yours = np.zeros(np.shape(b)) if a is None else np.asarray(a, dtype=np.float64)
        if not close(yours, b):
            found.append((position, Difference(label(value, trace.labels), yours,
                                               np.asarray(b, dtype=np.float64))))
    return found


def _report(comparison: Comparison, index: int, step: Any,
            differences: list[tuple[int, Difference]], trace: Trace) -> None:
    position, first = differences[0]
    call, _ = step.output.grad_fn.arguments()   # forward's arguments: the scale, a mask, …
    args = tuple(a.data if isinstance(a, Value) else a for a in call)
    probe = Probe(args, np.asarray(step.output.data), step.upstream, position, first.yours,
                  first.expected)
    comparison.hint = diagnose(probe, RULES.get(step.gate, ())) or ""
    comparison.first = index
    comparison.differences = [d for _, d in differences]
    worst = np.unravel_index(int(np.argmax(np.abs(first.yours - first.expected))),
                             first.expected.shape)
    where = f"[{', '.join(str(int(i)) for i in worst)}]" if first.expected.ndim else ""
    comparison.message = (
        f"first wrong gate: step {index + 1} of {len(trace)}, {step.gate} → "
        f"{label(step.output, trace.labels)} (the {index} before it agree): ∂L/∂{first.name}{where} "
        f"is {float(first.yours[worst]):.6g}, expected {float(first.expected[worst]):.6g}"
        + (f" — {comparison.hint}" if comparison.hint else ""))

