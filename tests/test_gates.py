"""Every gate's gradient against float64 central differences, for hypothesis-drawn shapes and
values, and its second derivative against central differences of its first (the recorded
backward that create_graph=True runs); float32 kept through forward and backward; and a
meta-test that no gate goes untested."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import models
from autograd import Function, Tensor, backward, gradcheck, gradgradcheck, profile, topological_order
from autograd.core.function import Context, align_gradients
from autograd.core.outputs import BundleGradients
from autograd.core.value import Value
from tests.gate_cases import CASES, GateCase


def gates_in(output: Tensor) -> set[type[Function]]:
    return {v.grad_fn.function for v in topological_order(output) if v.grad_fn is not None}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
@given(data=st.data())
def test_gradient_matches_central_differences(case: GateCase, data: st.DataObject) -> None:
    arrays, fn = case.build(data.draw)
    inputs = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    output = fn(*inputs)
    assert case.gate in gates_in(output), f"{case.label} does not run {case.gate.__name__}"
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
@given(data=st.data())
def test_second_derivative_matches_central_differences_of_the_first(
        case: GateCase, data: st.DataObject) -> None:
    arrays, fn = case.build(data.draw)
    inputs = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
@given(data=st.data())
def test_recorded_backward_gives_the_same_gradients(case: GateCase, data: st.DataObject) -> None:
    arrays, fn = case.build(data.draw)
    inputs = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    output = fn(*inputs)
    upstream = np.random.default_rng(0).standard_normal(output.shape)
    plain = autograd.grad(output, inputs, upstream, retain_graph=True, allow_unused=True)
    recorded = autograd.grad(output, inputs, upstream, create_graph=True, allow_unused=True)
    for p, r in zip(plain, recorded):
        if p is None:
            assert r is None
        else:
            assert r.grad_fn is not None or not r.requires_grad
            np.testing.assert_allclose(r.data, p.data, rtol=1e-12, atol=1e-12)


class RawGradients(profile):
    """Records what each gate's backward returned, before the engine fits it to its input (the
    profiler's hook runs every gate's backward)."""

    def __init__(self) -> None:
        super().__init__()
        self.returned: list[tuple[Value, object]] = []

    def run_backward(self, ctx: Context, upstream: object) -> object:
        grads = super().run_backward(ctx, upstream)
        self.returned += zip(ctx.inputs, align_gradients(ctx, grads))
        return grads


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
@given(data=st.data())
def test_float32_stays_float32(case: GateCase, data: st.DataObject) -> None:
    arrays, fn = case.build(data.draw)
    inputs = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    with RawGradients() as raw:
        output = fn(*inputs)
        assert output.dtype == np.float32
        backward(output, np.ones(output.shape, dtype=np.float32))
    assert raw.returned
    for value, grad in raw.returned:   # no silent upcast inside a gate
        if isinstance(grad, BundleGradients):   # to a gate with several outputs: slot by slot
            assert all(g.dtype == out.dtype for g, out in zip(grad.slots, value.data)
                       if g is not None)
        elif grad is not None:
            assert np.asarray(grad).dtype == value.dtype, f"{value} got a {np.asarray(grad).dtype} gradient"
    for t in inputs:
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape


# the exercises' skeletons and reference solutions are students' gates, graded by
# tests/test_exercises.py (solve → check: gradcheck and the library's gate), not the library's
EXERCISES = "autograd.exercises"


def _package_gates() -> set[type[Function]]:
    for package in (autograd, models):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__") and not info.name.startswith(EXERCISES):
                importlib.import_module(info.name)
    found, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in ("autograd", "models") and \
                    not sub.__module__.startswith(EXERCISES):
                found.add(sub)
    return found


def test_every_gate_of_the_package_has_a_property_test() -> None:
    untested = _package_gates() - {case.gate for case in CASES}
    names = sorted(gate.__name__ for gate in untested)
    assert not untested, f"gates without a case in tests/gate_cases.py: {names}"
    assert len(_package_gates()) >= 30


def test_every_gate_can_be_differentiated_twice() -> None:
    """Each gate says how its backward is recorded: its own recorded_backward, or a composition
    of other gates (whose second derivatives the property test above checks)."""
    for gate in _package_gates():
        own = gate.recorded_backward is not Function.recorded_backward or \
            gate.composition is not Function.composition
        assert own, f"{gate.__name__} has neither recorded_backward nor composition"


def test_every_gate_states_its_math() -> None:
    for gate in _package_gates():
        doc = gate.__doc__ or ""
        assert "=" in doc and "∂" in doc, f"{gate.__name__}'s docstring lacks its formula and derivative"
