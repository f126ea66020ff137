"""The lectures' worked examples, exactly, through both Scalar and Tensor."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autograd import Scalar
from autograd.examples.common import named
from autograd.examples.neuron import graph as neuron


def test_neuron_from_primitives_runs_more_gates_for_the_same_gradients() -> None:
    sig, prim = neuron(Scalar), neuron(Scalar, from_primitives=True)
    sig.backward()
    prim.backward()
    assert sig.grad_fn.function.__name__ == "Sigmoid"
    assert prim.grad_fn.function.__name__ == "Divide"
    for name in ("w0", "x0", "w1", "x1", "w2"):
        assert named(sig)[name].grad == pytest.approx(named(prim)[name].grad, rel=1e-12)


def test_scalar_api() -> None:
    x = Scalar(2.0, name="x")
    y = 2 * x + 1 - x / 4 + 1 / x + x ** 2 - (-x) + 3 ** x.tanh()
    y.backward()
    t = np.tanh(2.0)
    expected = 2 - 0.25 - 1 / 4 + 4 + 1 + np.log(3) * 3 ** t * (1 - t * t)
    assert x.grad == pytest.approx(expected, rel=1e-12)
    assert isinstance(x.data, float) and isinstance(x.grad, float)
    assert repr(x) == f"Scalar(name='x', data=2, grad={x.grad:.6g})"
    x.data = 3.0
    x.grad = 0.0
    assert (x.relu().data, Scalar(-1.0).relu().data) == (3.0, 0.0)
    assert Scalar(0.0).exp().data == 1.0 and Scalar(1.0).log().data == 0.0
    with pytest.raises(TypeError, match="real number"):
        Scalar("2")


def test_demo_prints_the_examples() -> None:
    out = subprocess.run([sys.executable, "-m", "models", "demo", "--examples-only"],
                         capture_output=True, text=True, check=True).stdout
    assert "∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3" in out
    assert out.count("∂f/∂w0 = -0.1966, ∂f/∂x0 = 0.3932, ∂f/∂w1 = -0.3932, ∂f/∂x1 = -0.5898, "
                     "∂f/∂w2 = 0.1966") == 4
    assert "dc/da = 24" in out
