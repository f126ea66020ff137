"""Each of the lectures' worked examples, with its numbers asserted."""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise

import numpy as np
import pytest

from autograd import Scalar, Tensor
from autograd.examples import EXAMPLES, load


@pytest.mark.parametrize("kind", [Scalar, Tensor])
def test_add_mul(kind) -> None:
    assert load("add-mul").main(kind) == {"f": -12.0, "x": -4.0, "y": -4.0, "z": 3.0}


@pytest.mark.parametrize("kind", [Scalar, Tensor])
def test_neuron(kind) -> None:
    expected = {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "w2": 0.1966}
    for result in load("neuron").main(kind).values():
        assert result["f"] == pytest.approx(0.7311, abs=5e-5)
        for name, value in expected.items():
            assert result[name] == pytest.approx(value, abs=5e-5)


def test_sigmoid_and_softmax_cross_entropy_give_rate_times_error_times_input() -> None:
    sig = load("sigmoid-ce").main()
    np.testing.assert_allclose(sig["delta_engine"], sig["delta_rule"], rtol=1e-12)
    soft = load("softmax-ce").main()
    np.testing.assert_allclose(soft["jacobian"], soft["formula"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(soft["delta_engine"], soft["delta_rule"], rtol=1e-12)


def test_xor() -> None:
    result = load("xor").main()
    assert result["batch"]["epochs"] == 410
    np.testing.assert_array_equal(np.round(result["outputs"]), [0, 1, 1, 0])
    # each hidden unit computes a linearly separable function of the inputs (not XOR itself)
    for unit in np.round(result["hidden"]).T:
        assert list(unit) != [0, 1, 1, 0] and list(unit) != [1, 0, 0, 1]
    assert result["incremental"]["epochs"] is not None
    assert result["momentum"]["epochs"] < result["plain"]["epochs"] / 5
    w1 = result["symmetric"]["params"][0].data
    assert result["symmetric"]["epochs"] is None
    np.testing.assert_array_equal(w1[:, 0], w1[:, 1])


def test_linear_network_collapses_and_cannot_fit_xor() -> None:
    result = load("linear-xor").main()
    assert result["error"] >= 0.5 - 1e-6
    np.testing.assert_allclose(result["collapsed"], result["outputs"], rtol=1e-10)


def test_skipgram_gradient_is_observed_minus_expected_context() -> None:
    result = load("skipgram").main()
    np.testing.assert_allclose(result["engine"], result["formula"], rtol=1e-12)


def test_bptt_per_step_contributions_sum_to_the_gradient() -> None:
    result = load("bptt").main()
    assert len(result["shares"]) == 6
    np.testing.assert_allclose(sum(result["shares"]), result["total"], rtol=1e-12)
    assert len(result["norms"]) == 6


def test_deep_sigmoid_vanishes_and_explodes_as_w_over_4_to_the_depth() -> None:
    result = load("deep-sigmoid").main()
    for key in ("w=1", "w=6"):
        np.testing.assert_allclose(result[key], result["expected"][key], rtol=1e-9)
    assert result["w=1"][-1] < 1e-20 and result["w=6"][-1] > 1e6


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_builds_a_graph(name: str) -> None:
    output = load(name).graph()
    assert output.grad_fn is not None


def test_examples_run_as_modules() -> None:
    out = subprocess.run([sys.executable, "-m", "autograd.examples.add_mul"], capture_output=True,
                         text=True, check=True).stdout
    assert "∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3" in out


def test_unknown_example() -> None:
    with pytest.raises(ValueError, match="unknown example 'nope'"):
        load("nope")


def test_newton_takes_its_derivatives_from_the_engine_and_converges_quadratically() -> None:
    result = load("newton").main(steps=8)
    assert result["slope"][0] == pytest.approx(21.0, rel=1e-12)        # 4·8 − 12 + 1
    assert result["curvature"][0] == pytest.approx(42.0, rel=1e-12)    # 12·4 − 6
    assert result["x"][1] == pytest.approx(1.5, rel=1e-12)
    root = result["x"][-1]
    assert 4 * root ** 3 - 6 * root + 1 == pytest.approx(0.0, abs=1e-10)
    errors = [abs(x - root) for x in result["x"][1:5]]
    # quadratic: e_{n+1} ≈ C·e_n² with C = f‴/2f″ ≈ 1.45 near the minimum
    assert all(later < 2 * earlier ** 2 for earlier, later in pairwise(errors))
    page_value = load("newton").graph()   # f′(2) as a graph: its backward pass gives f″(2)
    page_value.backward()
    assert page_value.data == 21.0 and page_value.grad_fn is not None


def test_hessian_vector_product_matches_the_hessian_and_the_hand_derivation() -> None:
    result = load("hvp").main()
    np.testing.assert_allclose(result["hvp"], result["by_hand"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result["hessian_v"], result["by_hand"], rtol=1e-12, atol=1e-15)


def test_the_wheel_installs_only_autograd_and_models_with_the_examples_inside() -> None:
    """What setuptools packs, from pyproject's own package list: no top-level `examples` (it
    would collide with a student's folder and other distributions), the notebooks not at all."""
    from pathlib import Path

    from setuptools import find_namespace_packages

    try:
        import tomllib
    except ModuleNotFoundError:   # Python 3.10: pytest's own TOML reader
        import tomli as tomllib

    root = Path(__file__).parents[1]
    found = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = find_namespace_packages(str(root), include=found["include"])
    assert {name.split(".")[0] for name in packages} == {"autograd", "models"}
    assert not any("notebooks" in name for name in packages)
    assert "autograd.examples" in packages
    assert all(load(name).__name__ == f"autograd.examples.{module}"
               for name, module in EXAMPLES.items())
