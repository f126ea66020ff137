"""`check`: grade a folder of student files, exercise by exercise, item by item.

Every item gets an `Outcome` — points, and a one-line message when it fails — whatever the
student's code does: a file that does not load fails its exercise's items with the reason, an
exception in a gate fails that gate."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograd.exercises import TIME_LIMIT
from autograd.exercises.catalogue import EXERCISES, Exercise, reference_module
from autograd.exercises.grading import EXAMPLES, Failed
from autograd.exercises.items import Outcome
from autograd.exercises.limit import TimedOut, time_limit
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


def grade_exercise(exercise: Exercise, folder: Path, examples: int = EXAMPLES,
                   limit: float = TIME_LIMIT) -> list[Outcome]:
    reference = attach_gates(reference_module(exercise.name), None)
    try:
        with time_limit(limit):
            student = attach_gates(load_file(folder / f"{exercise.name}.py"), folder)
    except (Failed, TimedOut) as failure:
        reason = str(failure) if isinstance(failure, Failed) else \
            f"{exercise.name}.py did not finish loading in {limit:g} s"
        return [Outcome(exercise.name, item.title, 0.0, item.points, reason)
                for item in exercise.items]
    outcomes = []
    for item in exercise.items:
        try:
            with time_limit(limit):
                outcomes.append(item.grade(exercise.name, student, reference, examples))
        except TimedOut:
            outcomes.append(Outcome(exercise.name, item.title, 0.0, item.points,
                                    f"timed out after {limit:g} s (an endless loop?)"))
    return outcomes


def check_folder(folder: str | Path, names: Sequence[str] = (), examples: int = EXAMPLES,
                 limit: float = TIME_LIMIT) -> Report:
    """Grade the student's files in `folder` (the exercises named, or all); each item gets at
    most `limit` seconds."""
    start = time.perf_counter()
    chosen = select(names)
    outcomes = [o for e in chosen for o in grade_exercise(e, Path(folder), examples, limit)]
    return Report(outcomes, time.perf_counter() - start)
