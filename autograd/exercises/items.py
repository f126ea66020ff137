"""The graded items of an exercise: a gate the student writes, a function derived by hand, or a
composition of the student's gates whose backward pass is compared with the reference's.

Each item's `grade(student, reference, examples)` returns an `Outcome` and never raises for a
student's mistake; `student` and `reference` are the loaded modules (the student's file, and the
reference solution built from the library's gates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

from autograd.core.function import Function
from autograd.exercises.cases import Case
from autograd.exercises.diagnose import Rule
from autograd.exercises.grading import (
    Failed,
    GateJudge,
    Worked,
    argument_names,
    check_worked,
    one_line,
    search,
)


@dataclass
class Outcome:
    """One line of the table: an exercise's item, its points and what the checker found."""

    exercise: str
    item: str
    points: float
    max_points: float
    message: str = ""
    page: Any = None   # for composed items that failed: the comparison (see `compare`)
    counterexample: Case | None = None   # for gates: the (smallest) case the gate failed on

    @property
    def passed(self) -> bool:
        return self.points == self.max_points


def find_in(module: ModuleType, name: str) -> Any:
    """The student's `name`, or `Failed` saying it is missing."""
    found = getattr(module, name, None)
    if found is None:
        raise Failed(f"{name} is missing from the file (keep the skeleton's names)")
    return found


@dataclass(frozen=True)
class GateItem:
    """A gate class `name` the student writes; judged against `reference` (library gates)."""

    name: str
    points: float
    reference: Callable[..., Any]        # values in, a value out: the library's computation
    cases: Callable[[], st.SearchStrategy[Case]]
    signature: Callable[..., Any]        # the library gate's forward, for argument names
    arity: int
    worked: tuple[Worked, ...] = ()
    exact_shape: bool = True             # tensors: the gradient must come back in the input's shape
    rules: tuple[Rule, ...] = ()

    @property
    def title(self) -> str:
        return self.name

    def judge(self) -> GateJudge:
        return GateJudge(self.reference, argument_names(self.signature, self.arity),
                         self.exact_shape, self.rules)

    def grade(self, exercise: str, student: ModuleType, reference: ModuleType,
              examples: int) -> Outcome:
        try:
            gate = find_in(student, self.name)
            if not (isinstance(gate, type) and issubclass(gate, Function)):
                raise Failed(f"{self.name} must be a class derived from autograd.Function")
            self.run(gate, examples)
        except Failed as failure:
            return Outcome(exercise, self.name, 0.0, self.points, str(failure),
                           counterexample=failure.case)
        return Outcome(exercise, self.name, self.points, self.points)

    def run(self, gate: type[Function], examples: int) -> None:
        judge = self.judge()
        first = find_first(self.cases())
        _on(first, lambda: judge.judge(gate, first))   # an untouched skeleton stops here
        for worked in self.worked:
            _on(worked.case, lambda: check_worked(gate, judge, worked))  # noqa: B023
        search(gate, judge, self.cases(), examples)


def _on(case: Case, run: Callable[[], None]) -> None:
    """Run a judge; its failure names `case`."""
    try:
        run()
    except Failed as failure:
        raise Failed(str(failure), failure.case or case) from None


def find_first(cases: st.SearchStrategy[Case]) -> Case:
    """The strategy's simplest case (hypothesis' minimal example), the same every run."""
    from hypothesis import HealthCheck, find, settings

    from autograd.exercises.grading import PHASES

    return find(cases, lambda _: True, settings=settings(
        database=None, derandomize=True, deadline=None, phases=PHASES,
        suppress_health_check=list(HealthCheck)))


@dataclass(frozen=True)
class FunctionItem:
    """A function derived by hand (Δw, BPTT): `verify(student)` raises `Failed` when the
    student's module's function `name` is wrong."""

    name: str
    points: float
    verify: Callable[[ModuleType], None]
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name

    def grade(self, exercise: str, student: ModuleType, reference: ModuleType,
              examples: int) -> Outcome:
        try:
            find_in(student, self.name)
            self.verify(student)
            message = ""
        except Failed as failure:
            message = str(failure)
        except NotImplementedError:
            message = "not implemented (the skeleton still raises NotImplementedError)"
        except Exception as error:   # the student's bug, reported, never a crash
            message = f"raised {one_line(error)}"
        return Outcome(exercise, self.title, 0.0 if message else self.points,
                       self.points, message)


@dataclass(frozen=True)
class CompositionItem:
    """The student's gates composed into a small network (`build(module) → loss`): its whole
    backward pass, gate by gate in the engine's order, against the reference's."""

    points: float
    build: Callable[[ModuleType], Any]
    label: str = "backward pass"

    @property
    def title(self) -> str:
        return self.label

    def grade(self, exercise: str, student: ModuleType, reference: ModuleType,
              examples: int) -> Outcome:
        from autograd.exercises.compare import compare_passes

        comparison = compare_passes(lambda: self.build(student), lambda: self.build(reference))
        if comparison.message:
            return Outcome(exercise, self.label, 0.0, self.points, comparison.message, comparison)
        return Outcome(exercise, self.label, self.points, self.points)
