"""`check("tanh", MyTanh)` in a Jupyter cell: one exercise (or one gate of it) graded with the
checker's judges, shown as a table; on a failure, the feedback page — the student's backward
pass beside the reference's, the first wrong gate marked — inline below it.

The name is an exercise (`check("neuron", Sigmoid, BinaryCrossEntropy, delta_w)`, the objects
matched to the exercise's items by their names) or one gate or function of one (`"tanh"`,
`"Tanh"`, `"neuron.Sigmoid"` where two exercises have a gate of that name; a bare name means
the first exercise in the catalogue's order that has it).
"""

from __future__ import annotations

import html
import time
from types import ModuleType
from typing import Any

import numpy as np

from autograd.exercises import EXAMPLES
from autograd.exercises.cases import Case
from autograd.exercises.catalogue import EXERCISES, Exercise, Item, reference_module
from autograd.exercises.checker import Report
from autograd.exercises.compare import Comparison, compare_passes
from autograd.exercises.items import GateItem, Outcome
from autograd.exercises.loader import attach_gates
from autograd.exercises.page import inline_feedback
from autograd.exercises.report import table
from autograd.tensor import Tensor


def resolve(name: str) -> tuple[Exercise, list[Item]]:
    """The exercise and the items a name means (see the module's docstring)."""
    exercise_name, _, item_name = name.rpartition(".")
    for exercise in EXERCISES:
        if exercise_name and exercise.name != exercise_name:
            continue
        if not exercise_name and exercise.name == name:
            return exercise, list(exercise.items)
        found = [i for i in exercise.items if _item_name(i).lower() == item_name.lower()]
        if found:
            return exercise, found
    raise KeyError(f"check: no exercise or gate called {name!r}")


def _item_name(item: Item) -> str:
    return getattr(item, "name", item.title)


class Result:
    """What a notebook cell shows: the table, and the feedback page of the first failure that
    has one."""

    def __init__(self, exercise: str, report: Report, feedback: Comparison | None) -> None:
        self.exercise, self.report, self.feedback = exercise, report, feedback

    @property
    def passed(self) -> bool:
        return self.report.passed

    def __repr__(self) -> str:
        return table(self.report)

    def _repr_html_(self) -> str:
        rows = "".join(
            f'<tr><td>{html.escape(o.exercise)}</td><td>{html.escape(o.item)}</td>'
            f'<td style="color:{"#1e8449" if o.passed else "#c0392b"}">{"pass" if o.passed else "FAIL"}'
            f'</td><td>{o.points:g}/{o.max_points:g}</td><td>{html.escape(o.message)}</td></tr>'
            for o in self.report.outcomes)
        page = ""
        if self.feedback is not None:
            page = (f'<iframe srcdoc="{html.escape(inline_feedback(self.exercise, self.feedback), True)}" '
                    'style="width:100%;height:900px;border:1px solid #ccc" '
                    'title="where the gradient goes wrong"></iframe>')
        return (f'<table><tr><th>exercise</th><th>item</th><th>result</th><th>points</th><th></th>'
                f'</tr>{rows}</table><p>total {self.report.score:g}/{self.report.max_score:g}</p>{page}')


def check(name: str, *answers: Any, examples: int = EXAMPLES, **named: Any) -> Result:
    """Grade `answers` (gate classes, functions) as the exercise or gate `name`."""
    exercise, items = resolve(name)
    student = ModuleType(f"notebook answers to {exercise.name}")
    if len(items) == 1 and len(answers) == 1 and not named:
        setattr(student, _item_name(items[0]), answers[0])   # MyTanh answers Tanh
    for answer in answers:
        setattr(student, getattr(answer, "__name__", ""), answer)
    for key, answer in named.items():
        setattr(student, key, answer)
    attach_gates(student, None)
    reference = attach_gates(reference_module(exercise.name), None)
    start = time.perf_counter()
    outcomes = [item.grade(exercise.name, student, reference, examples) for item in items]
    report = Report(outcomes, time.perf_counter() - start)
    return Result(exercise.name, report, _first_feedback(outcomes, items, student, reference))


def _first_feedback(outcomes: list[Outcome], items: list[Item], student: ModuleType,
                    reference: ModuleType) -> Comparison | None:
    for outcome in outcomes:   # a composed network's page says most
        if outcome.page is not None and outcome.page.first is not None:
            return outcome.page
    for outcome, item in zip(outcomes, items):
        if isinstance(item, GateItem) and outcome.counterexample is not None \
                and not outcome.message.startswith("not implemented"):
            comparison = gate_comparison(getattr(student, item.name), getattr(reference, item.name),
                                         outcome.counterexample, item.judge().names)
            if comparison.first is not None:
                return comparison
    return None


def gate_comparison(gate: Any, reference: Any, case: Case, names: tuple[str, ...]) -> Comparison:
    """The student's gate and the reference's on the failing case, L = Σ gate(…) ⊙ r."""
    def build(function: Any) -> Any:
        def network() -> Any:
            values = case.values()
            for value, name, want in zip(values, names, case.wants):
                if want:
                    value.name = name
            out = function.apply(*values)
            out.name = "z"
            if isinstance(out.data, float):
                return out * 1.0
            weights = np.random.default_rng(3).uniform(-1, 1, np.shape(out.data))
            return (out * Tensor(weights)).sum()
        return network

    return compare_passes(build(gate), build(reference))
