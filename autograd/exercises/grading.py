"""Grading one gate a student wrote: three judges, each a line of feedback when it disagrees.

1. The lectures' worked numbers (where a lecture works the gate through), forward and gradient.
2. The library's own gate on hypothesis-generated shapes and values: the forward values, and the
   gradient the student's `backward` returns for a random upstream — called directly, so that a
   gradient left in a broadcast shape is seen — against the library's (after the engine's sum to
   the input's shape). A failure is shrunk by hypothesis to a smallest counterexample.
3. `gradcheck` of the student's forward against their backward (float64 central differences).

A student's exception never stops the checker: it becomes the gate's one-line failure, and a
`NotImplementedError` (an untouched skeleton) reads "not implemented".
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from autograd.core.broadcast import sum_to_shape
from autograd.core.function import Function
from autograd.exercises import EXAMPLES
from autograd.exercises.cases import Case
from autograd.exercises.diagnose import Probe, Rule, close, diagnose
from autograd.gradcheck import GradcheckError, gradcheck
from autograd.tensor import Tensor

__all__ = ["EXAMPLES", "Failed", "GateJudge", "Worked", "search"]

NOT_IMPLEMENTED = "not implemented (the skeleton still raises NotImplementedError)"


# generate, then shrink a failure; no "explain" phase (it re-runs the gate hundreds of times)
PHASES = (Phase.generate, Phase.shrink)


class Failed(Exception):
    """One judge's verdict against a gate, as the line the student reads (and the case it
    failed on, when there is one)."""

    def __init__(self, message: str, case: Case | None = None) -> None:
        super().__init__(message)
        self.case = case


@dataclass(frozen=True)
class Worked:
    """A lecture's worked example: the gate's inputs, its output and the input gradients."""

    source: str
    case: Case
    output: Any
    grads: tuple[Any, ...]
    upstream: float = 1.0


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def run_student(call: Callable[[], Any], what: str) -> Any:
    """Run student code; any exception becomes a `Failed` naming what was being done."""
    try:
        return call()
    except NotImplementedError:
        raise Failed(NOT_IMPLEMENTED) from None
    except Failed:
        raise
    except Exception as error:   # the student's bug, reported, never a crash
        raise Failed(f"{what} raised {one_line(error)}") from None


def as_tuple(grads: Any, count: int) -> tuple[Any, ...]:
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    return (*grads, *(None,) * (count - len(grads)))[:count]


@dataclass(frozen=True)
class GateJudge:
    """Everything needed to judge one gate class against the library."""

    reference: Callable[..., Any]   # the library's computation: values in, a value out
    names: tuple[str, ...]          # forward's argument names, for the messages
    exact_shape: bool
    rules: tuple[Rule, ...]

    def expected(self, case: Case, upstream: Any) -> tuple[Any, tuple[Any, ...]]:
        values = case.values()
        out = self.reference(*values)
        out.backward(Tensor(upstream, dtype=np.float64) if isinstance(upstream, np.ndarray) else upstream)
        grads = tuple(None if not want else _grad_or_zeros(v) for v, want in zip(values, case.wants))
        return out.data, grads

    def judge(self, gate: type[Function], case: Case) -> None:
        """Raise `Failed` with the first disagreement on this case; whatever the student's code
        returns, never anything else."""
        try:
            self._judge(gate, case)
        except Failed:
            raise
        except Exception as error:   # e.g. a gradient that is not an array of numbers
            raise Failed(f"your gate's results cannot be checked: {one_line(error)}") from None

    def _judge(self, gate: type[Function], case: Case) -> None:
        values = case.values()
        out = run_student(lambda: gate.apply(*values), "forward")
        output = self.reference(*case.values()).data
        if np.shape(out.data) != np.shape(output) or not close(out.data, output):
            raise Failed(f"forward: {_difference(out.data, output)}")
        upstream = _upstream(output)
        _, expected = self.expected(case, upstream)
        sent = run_student(lambda: gate.backward(out.grad_fn, _copy(upstream)), "backward")
        sent = as_tuple(sent, len(case.args))
        for position, want in enumerate(case.wants):
            if want:
                self.compare(case, out.data, upstream, position, sent[position], expected[position])
        run_student(lambda: _gradcheck(gate, case, self.names), "gradcheck of your forward")

    def compare(self, case: Case, output: Any, upstream: Any, position: int, got: Any,
                expected: Any) -> None:
        name = f"∂L/∂{self.names[position]}"
        if got is None:
            raise Failed(f"backward: no gradient returned for {self.names[position]}")
        got = np.asarray(got, dtype=np.float64)
        if not self.exact_shape and got.shape != np.shape(expected):
            got = _summed_or_left(got, np.shape(expected))
        if close(got, expected):
            return
        probe = Probe(case.args, output, upstream, position, got, expected)
        hint = diagnose(probe, self.rules)
        problem = (f"has shape {got.shape}, the input's is {np.shape(expected)}"
                   if got.shape != np.shape(expected) else _difference(got, expected))
        raise Failed(f"backward: {name} {problem}" + (f" — {hint}" if hint else ""))


def _summed_or_left(got: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return sum_to_shape(got, shape)
    except ValueError:
        return got


def _gradcheck(gate: type[Function], case: Case, names: tuple[str, ...]) -> None:
    try:
        gradcheck(lambda *v: gate.apply(*v), case.values())
    except GradcheckError as error:
        text = str(error)
        for position, name in enumerate(names):
            text = text.replace(f"input {position},", f"{name},")
        raise Failed(text.replace("gradcheck: ", "central differences: ")) from None


def _grad_or_zeros(value: Any) -> Any:
    return np.zeros(np.shape(value.data)) if value.grad is None else np.asarray(value.grad, np.float64)


def _upstream(output: Any) -> Any:
    """A fixed, non-trivial upstream gradient of the output's shape."""
    if isinstance(output, float):
        return 0.7
    return np.random.default_rng(7).uniform(-1.0, 1.0, np.shape(output))


def _copy(upstream: Any) -> Any:
    return upstream.copy() if isinstance(upstream, np.ndarray) else upstream


def _difference(got: Any, expected: Any) -> str:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        return f"has shape {got.shape}, expected {expected.shape}"
    gap = np.abs(got - expected) - (1e-7 + 1e-5 * np.abs(expected))
    worst = np.unravel_index(int(np.argmax(np.where(np.isnan(gap), np.inf, gap))), gap.shape)
    where = f" at index {tuple(int(i) for i in worst)}" if got.ndim else ""
    return f"differs{where}: yours {got[worst]:.6g}, expected {expected[worst]:.6g}"


def argument_names(reference_gate: Callable[..., Any], count: int) -> tuple[str, ...]:
    """forward's parameter names after ctx (x, y, …), as the messages call the inputs."""
    try:
        params = list(inspect.signature(reference_gate).parameters)
    except (TypeError, ValueError):
        params = []
    names = [p for p in params if p != "ctx"][:count]
    return tuple(names + [f"input {i}" for i in range(len(names), count)])


def search(gate: type[Function], judge: GateJudge, cases: st.SearchStrategy[Case],
           examples: int) -> None:
    """Pass if the gate passes every generated case, else raise `Failed` on the shrunk case."""
    def fails(case: Case) -> bool:
        try:
            judge.judge(gate, case)
        except Failed:
            return True
        return False

    options = settings(max_examples=examples, database=None, derandomize=True, deadline=None,
                       suppress_health_check=list(HealthCheck), phases=PHASES)
    try:
        smallest = find(cases, fails, settings=options)
    except NoSuchExample:
        return
    try:
        judge.judge(gate, smallest)
    except Failed as failure:
        raise Failed(f"{failure} — counterexample: {smallest.describe(judge.names)}",
                     smallest) from None
    raise Failed("fails only sometimes (does forward or backward keep state between calls?)")


def check_worked(gate: type[Function], judge: GateJudge, worked: Worked) -> None:
    """The lecture's numbers: forward, and each input's gradient for the lecture's upstream."""
    values = worked.case.values()
    out = run_student(lambda: gate.apply(*values), "forward")
    if not close(out.data, worked.output):
        raise Failed(f"{worked.source}: forward gives {float(out.data):.6g}, the lecture "
                     f"{float(worked.output):.6g}")
    up = worked.upstream if isinstance(out.data, float) else np.full(np.shape(out.data), worked.upstream)
    sent = as_tuple(run_student(lambda: gate.backward(out.grad_fn, up), "backward"),
                    len(values))
    for name, got, expected in zip(judge.names, sent, worked.grads):
        if expected is not None and (got is None or not close(got, expected)):
            yours = "nothing" if got is None else f"{float(np.asarray(got)):.6g}"
            raise Failed(f"{worked.source}: ∂/∂{name} is {yours}, the lecture {float(expected):.6g}")
