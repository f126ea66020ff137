"""Einstein summation, one gate for any equation: `einsum("bhqd,bhkd->bhqk", q, k)`.

z[out] = Σ over the letters not in `out` of Πₖ xₖ[subscriptsₖ]. The gradient of one operand is
again an einsum — of the output's gradient with the other operands, into that operand's
subscripts — so the gate is its own backward and serves gradients of any order. Two letters
need help there: a letter repeated in an operand (`ii`, a diagonal) gets a new name in all but
its first place and an identity matrix joining the two, and a letter of that operand that
nothing else has (summed away, `ij->i`) comes from a vector of ones of its size.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from autograd.core.function import Context, Function, constant_like

LETTERS = string.ascii_letters
# numpy's optimised contraction (BLAS, ~70 µs to plan) beats its plain loop from about this
# many entries in an operand (measured on matrix- and attention-shaped operands, one thread)
OPTIMIZE_FROM = 2048


def _implicit_output(inputs: list[str]) -> str:
    """PyTorch's output without '->': every letter used once, in alphabetical order."""
    letters = "".join(inputs)
    return "".join(sorted(c for c in set(letters) if letters.count(c) == 1))


def _expand_ellipsis(subscripts: str, ndim: int, broadcast: str, where: str) -> str:
    """`subscripts` with '...' replaced by the last letters of `broadcast` (right-aligned, as
    broadcasting aligns axes)."""
    if "..." not in subscripts:
        return subscripts
    named = len(subscripts) - 3
    count = ndim - named
    if count < 0:
        raise ValueError(f"{where}: subscripts {subscripts!r} name more axes than the "
                         f"operand's {ndim}")
    return subscripts.replace("...", broadcast[len(broadcast) - count:] if count else "")


def parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """The equation as explicit subscripts, one string per operand and one for the output
    ('...' written out with unused letters), checked against the operands' shapes."""
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} has {len(inputs)} operands, "
                         f"{len(shapes)} were given")
    stray = set(left + output) & set("->") or set(output) & {","}
    if stray or set(equation) - set(LETTERS) - set(",.->") or \
            any("." in s.replace("...", "", 1) for s in (*inputs, output)):
        raise ValueError(f"einsum: the equation {equation!r} may hold only letters, ',', "
                         "'->' and '...'")
    free = [c for c in LETTERS if c not in equation]
    widest = max((len(shape) - (len(s) - 3) for s, shape in zip(inputs, shapes) if "..." in s),
                 default=0)
    broadcast = "".join(free[:max(widest, 0)])
    if not arrow:
        output = ("..." if any("..." in s for s in inputs) else "") + \
            _implicit_output([s.replace("...", "") for s in inputs])
    inputs = [_expand_ellipsis(s, len(shape), broadcast, "einsum")
              for s, shape in zip(inputs, shapes)]
    output = output.replace("...", broadcast)
    _check(equation, inputs, output, shapes)
    return inputs, output


def _check(equation: str, inputs: list[str], output: str, shapes: list[tuple[int, ...]]) -> None:
    for position, (subscripts, shape) in enumerate(zip(inputs, shapes)):
        if len(subscripts) != len(shape):
            raise ValueError(f"einsum: operand {position} has {len(shape)} dimensions but "
                             f"{equation!r} names {len(subscripts)}")
    if len(set(output)) != len(output) or set(output) - set("".join(inputs)):
        raise ValueError(f"einsum: the output of {equation!r} must name each letter once, and "
                         "only letters of the operands")
    sizes = letter_sizes(inputs, shapes)
    for subscripts, shape in zip(inputs, shapes):
        for letter, n in zip(subscripts, shape):
            if n not in (1, sizes[letter]):
                raise ValueError(f"einsum: the letter {letter!r} of {equation!r} stands for "
                                 f"axes of sizes {n} and {sizes[letter]}")


def letter_sizes(inputs: list[str], shapes: list[tuple[int, ...]]) -> dict[str, int]:
    """Each letter's size: the largest of its axes (an axis of size 1 broadcasts)."""
    sizes: dict[str, int] = {}
    for subscripts, shape in zip(inputs, shapes):
        for letter, n in zip(subscripts, shape):
            sizes[letter] = max(sizes.get(letter, 1), n)
    return sizes


def contract(inputs: list[str], output: str, *arrays: Any) -> np.ndarray:
    equation = ",".join(inputs) + "->" + output
    large = len(arrays) > 2 or any(np.size(a) >= OPTIMIZE_FROM for a in arrays)
    return np.asarray(np.einsum(equation, *arrays, optimize=large))


def gradient_equation(inputs: list[str], output: str, k: int, sizes: dict[str, int]
                      ) -> tuple[list[str], str, list[np.ndarray]]:
    """The einsum that gives operand k's gradient from the output's and the other operands:
    its subscripts, its output, and the constants it needs beside them (identity matrices
    for repeated letters, vectors of ones for letters nothing else has)."""
    target, extra = "", []
    constants: list[np.ndarray] = []
    unused = iter(c for c in LETTERS if c not in "".join(inputs) + output)
    for letter in inputs[k]:
        if letter in target:   # a diagonal: a new name, joined to the first by an identity
            renamed = next(unused)
            extra.append(letter + renamed)
            constants.append(np.eye(sizes[letter]))
            letter = renamed
        target += letter
    others = [s for i, s in enumerate(inputs) if i != k]
    present = set(output + "".join(others) + "".join(extra))
    for letter in dict.fromkeys(target):
        if letter not in present:
            extra.append(letter)
            constants.append(np.ones(sizes[letter]))
    return [output, *others, *extra], target, constants


class Einsum(Function):
    """z = einsum(equation, x₁, …, x_n): z[out] = Σ Πₖ xₖ[subscriptsₖ] over the letters not in
    out;  ∂L/∂xₖ = einsum of ∂L/∂z with the other operands into xₖ's subscripts"""

    @staticmethod
    def forward(ctx: Context, equation: str, *operands: np.ndarray) -> np.ndarray:
        shapes = [np.shape(x) for x in operands]
        inputs, output = parse(equation, shapes)
        ctx.inputs_subscripts, ctx.output = inputs, output
        ctx.sizes = letter_sizes(inputs, shapes)
        ctx.save_for_backward(*operands)
        return contract(inputs, output, *operands)

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray) -> tuple[Any, ...]:
        operands = ctx.saved_tensors
        return _gradients(ctx, lambda k, inputs, target, constants: contract(
            inputs, target, grad, *_others(operands, k),
            *(c.astype(grad.dtype) for c in constants)))

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> Any:
        values = ctx.arguments()[0][1:]
        dtype = np.result_type(grad.data)
        return _gradients(ctx, lambda k, inputs, target, constants: Einsum.apply(
            ",".join(inputs) + "->" + target, grad, *_others(values, k),
            *(constant_like(grad, c.astype(dtype)) for c in constants)))


def _others(operands: Any, k: int) -> list[Any]:
    return [x for i, x in enumerate(operands) if i != k]


def _gradients(ctx: Context, one: Any) -> tuple[Any, ...]:
    """(None for the equation, then) each operand's gradient that is needed, as `one(k, inputs,
    target, constants)` computes it from `gradient_equation`'s answer."""
    grads: list[Any] = [None]
    for k, needed in enumerate(ctx.needs_input_grad[1:]):
        grads.append(one(k, *gradient_equation(ctx.inputs_subscripts, ctx.output, k, ctx.sizes))
                     if needed else None)
    return tuple(grads)
