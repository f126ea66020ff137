"""`check`: grade a folder of student files, exercise by exercise, item by item.

Every item gets an `Outcome` — points, and a one-line message when it fails — whatever the
student's code does: a file that does not load fails its exercise's items with the reason, an
exception in a gate fails that gate."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograd.exercises.catalogue import EXERCISES, Exercise, reference_module
from autograd.exercises.grading import EXAMPLES, Failed
from autograd.exercises.items import Outcome
from autograd.exercises.loader import attach_gates, load_file


class UnknownExercise(ValueError):
    """A name on the command line that is no exercise."""


@dataclass
class Report:
    outcomes: list[Outcome]
    seconds: float

    @property
    def score(self) -> float:
        return sum(o.points for o in self.outcomes)

    @property
    def max_score(self) -> float:
        return sum(o.max_points for o in self.outcomes)

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)


def select(names: Sequence[str] = ()) -> list[Exercise]:
    """The exercises named (all for none), in the catalogue's order."""
    known = {e.name: e for e in EXERCISES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownExercise(f"exercises check: unknown exercise {unknown[0]!r} (known: "
                              f"{', '.join(known)})")
    return [e for e in EXERCISES if not names or e.name in names]


def grade_exercise(exercise: Exercise, folder: Path, examples: int = EXAMPLES) -> list[Outcome]:
    reference = attach_gates(reference_module(exercise.name), None)
    try:
        student = attach_gates(load_file(folder / f"{exercise.name}.py"), folder)
    except Failed as failure:
        return [Outcome(exercise.name, item.title, 0.0, item.points, str(failure))
                for item in exercise.items]
    return [item.grade(exercise.name, student, reference, examples) for item in exercise.items]


def check_folder(folder: str | Path, names: Sequence[str] = (), examples: int = EXAMPLES) -> Report:
    """Grade the student's files in `folder` (the exercises named, or all)."""
    start = time.perf_counter()
    chosen = select(names)
    outcomes = [o for exercise in chosen for o in grade_exercise(exercise, Path(folder), examples)]
    return Report(outcomes, time.perf_counter() - start)
