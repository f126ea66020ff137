"""Random compositions of gates — expression DAGs with reused nodes and size-1 axes broadcast on
either side — gradchecked end to end."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograd import F, Scalar, Tensor, gradcheck

# Each op keeps values in a tame range, so no composition leaves a gate's smooth domain.
UNARY = {
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "softplus": lambda t: (t.exp() + 1).log(),
    "square": lambda t: t * t,
    "gelu": F.gelu,
    "sum_last": lambda t: t.sum(axis=-1, keepdims=True) if t.ndim else t,
    "mean_first": lambda t: t.mean(axis=0, keepdims=True) if t.ndim else t,
    "softmax": lambda t: F.softmax(t, axis=-1) if t.ndim else t,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
}


@st.composite
def expression(draw):
    """(leaf arrays, a program: list of (op, operand indices)) over a growing pool of nodes."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    leaves = [draw(hnp.arrays(np.float64, s, elements=st.floats(-1.5, 1.5)))
              for s in shapes.input_shapes]
    program, pool = [], len(leaves)
    for _ in range(draw(st.integers(2, 8))):
        if draw(st.booleans()):
            op = draw(st.sampled_from(sorted(BINARY)))
            args = (draw(st.integers(0, pool - 1)), draw(st.integers(0, pool - 1)))  # reuse allowed
        else:
            op = draw(st.sampled_from(sorted(UNARY)))
            args = (draw(st.integers(0, pool - 1)),)
        program.append((op, args))
        pool += 1
    return leaves, program


def run(program, *leaves):
    nodes = list(leaves)
    for op, args in program:
        fn = BINARY.get(op) or UNARY[op]
        nodes.append(fn(*(nodes[i] for i in args)))
    # every node feeds the output, so gradients reach each leaf along several paths
    total = nodes[-1].sum()
    for node in nodes[len(leaves):-1]:
        total = total + node.sum() * 0.5
    return total


@given(expression())
def test_random_tensor_compositions(expr) -> None:
    arrays, program = expr
    inputs = [Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    assert gradcheck(lambda *ts: run(program, *ts), inputs)


@st.composite
def scalar_expression(draw):
    leaves = draw(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=3))
    program, pool = [], len(leaves)
    for _ in range(draw(st.integers(2, 10))):
        if draw(st.booleans()):
            program.append((draw(st.sampled_from(sorted(BINARY))),
                            (draw(st.integers(0, pool - 1)), draw(st.integers(0, pool - 1)))))
        else:
            program.append((draw(st.sampled_from(["tanh", "sigmoid", "softplus", "square"])),
                            (draw(st.integers(0, pool - 1)),)))
        pool += 1
    return leaves, program


def run_scalar(program, *leaves):
    nodes = list(leaves)
    for op, args in program:
        fn = BINARY.get(op) or UNARY[op]
        nodes.append(fn(*(nodes[i] for i in args)))
    total = nodes[-1]
    for node in nodes[len(leaves):-1]:
        total = total + node * 0.5
    return total


@given(scalar_expression())
def test_random_scalar_compositions(expr) -> None:
    values, program = expr
    inputs = [Scalar(v) for v in values]
    assert gradcheck(lambda *ss: run_scalar(program, *ss), inputs)
