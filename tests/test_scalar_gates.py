"""The elementwise gates on Scalars (plain floats), against central differences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Scalar, gradcheck

numbers = st.floats(-3, 3)


def pos(x: float) -> float:
    return abs(x) + 0.5


def off_zero(x: float, gap: float = 0.5) -> float:
    return x + gap if x >= 0 else x - gap


UNARY: list[tuple[str, Callable[[Scalar], Scalar], Callable[[float], float]]] = [
    ("negate", lambda s: -s, float),
    ("exp", lambda s: s.exp(), float),
    ("log", lambda s: s.log(), pos),
    ("sqrt", lambda s: s.sqrt(), pos),
    ("tanh", lambda s: s.tanh(), float),
    ("sigmoid", lambda s: s.sigmoid(), float),
    ("relu", lambda s: s.relu(), lambda x: off_zero(x, 0.1)),
]
BINARY: list[tuple[str, Callable[[Scalar, Scalar], Scalar], Callable[[float], float]]] = [
    ("add", lambda a, b: a + b, float),
    ("subtract", lambda a, b: a - b, float),
    ("multiply", lambda a, b: a * b, float),
    ("divide", lambda a, b: a / b, off_zero),
    ("power", lambda a, b: abs_base(a) ** b, float),
]


def abs_base(a: Scalar) -> Scalar:
    return (a * a + 0.25).sqrt()   # a positive base, still a function of a


@pytest.mark.parametrize("name, fn, fix", UNARY, ids=[u[0] for u in UNARY])
@given(x=numbers)
def test_unary_scalar_gate(name: str, fn, fix, x: float) -> None:
    assert gradcheck(fn, [Scalar(fix(x))])


@pytest.mark.parametrize("name, fn, fix", BINARY, ids=[b[0] for b in BINARY])
@given(x=numbers, y=numbers)
def test_binary_scalar_gate(name: str, fn, fix, x: float, y: float) -> None:
    assert gradcheck(fn, [Scalar(x), Scalar(fix(y))])


@given(x=st.floats(-800, 800))
def test_sigmoid_never_overflows(x: float) -> None:
    s = Scalar(x).sigmoid()
    assert 0.0 <= s.data <= 1.0
    assert s.data == pytest.approx(1 / (1 + np.exp(-np.float64(np.clip(x, -700, 700)))), abs=1e-15)
