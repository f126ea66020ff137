"""Run a tool's backward pass on a graph and leave the graph as the tool found it.

`explore(loss)` steps through a real backward pass; a student may call it before `loss.backward()`
or after. Before, the tool must not free the graph (a later `backward()` would fail) nor add to
`.grad` (it would double). After, the graph is freed: what each gate saved for backward is gone.

`graph_as_found(output)` makes both work. On entry it rebuilds what a freed gate saved, by running
the gate's forward again on the values it read — which is exact when those values are unchanged:
a value changed in place since (its version is later than the gate) is refused, and so is a
result that does not come out the same (a gate that draws at random, or whose output was changed
in place). On exit every gate holds what it held on entry (saved arrays, and the lock on a saved
result) and every `.grad` its numbers, in the same array.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from autograd.core.engine import topological_order
from autograd.core.function import Context
from autograd.core.value import Value
from autograd.core.versions import changed_since


@contextmanager
def graph_as_found(output: Value, where: str = "explore") -> Iterator[None]:
    values = topological_order(output)
    made: dict[Context, list[Value]] = {}
    for value in values:
        if value.grad_fn is not None:
            made.setdefault(value.grad_fn, []).append(value)
    freed = [ctx for ctx in made if ctx._saved is None]
    rebuilt = [_saved_again(ctx, made[ctx], where) for ctx in freed]   # all checked first
    for ctx, saved in zip(freed, rebuilt):
        ctx._saved = saved
    held = {ctx: (ctx._saved, ctx._read_only) for ctx in made if ctx not in freed}
    grads = [(value, value.grad, _numbers(value.grad)) for value in values]
    try:
        yield
    finally:
        for ctx, (kept, locked) in held.items():
            ctx._saved, ctx._read_only = kept, locked
            for array in locked or ():
                array.flags.writeable = False
        for ctx in freed:
            ctx.free()
        for value, grad, numbers in grads:
            if numbers is not None:
                grad[...] = numbers   # the same array: a reference to .grad sees no change
            value.grad = grad


def _numbers(grad: Any) -> Any:
    return np.array(grad) if isinstance(grad, np.ndarray) else None


def _saved_again(ctx: Context, outputs: list[Value], where: str) -> tuple[Any, ...]:
    """What `ctx`'s forward saves, from running it again on the values it read."""
    redo = f"run the forward pass again, or call {where}() before backward()"
    if ctx._dirty:
        raise RuntimeError(f"{where}: {ctx.name} changed its input in place, so its part of the "
                           f"graph freed by backward() cannot be rebuilt; {redo}")
    for value in ctx.inputs:
        if value._version > ctx._clock_at_forward or changed_since(value.data, ctx._clock_at_forward):
            name = f" {value.name!r}" if value.name else ""
            raise RuntimeError(f"{where}: the input{name} of {ctx.name} was changed in place "
                               f"after the forward pass, so the graph freed by backward() "
                               f"cannot be rebuilt; {redo}")
    args, options = ctx.arguments()
    again = Context()   # a node of its own for forward to save into, read like the first
    again.function, again.inputs, again.sequence = ctx.function, ctx.inputs, ctx.sequence
    again._clock_at_forward, again._saved = ctx._clock_at_forward, ()
    again._input_positions, again._argument_count = ctx._input_positions, ctx._argument_count
    result = ctx.function.forward(again, *[a.data if isinstance(a, Value) else a for a in args],
                                  **options)
    results = result if isinstance(result, tuple) else (result,)
    if not all(any(_same(value.data, r) for r in results) for value in outputs):
        raise RuntimeError(f"{where}: {ctx.name} gives another result when run again (it draws "
                           f"at random, or its output was changed in place), so the graph freed "
                           f"by backward() cannot be rebuilt; {redo}")
    return again._saved or ()


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if np.issubdtype(a.dtype, np.inexact) and np.issubdtype(b.dtype, np.inexact):
        return bool(np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True))
    return bool(np.array_equal(a, b))
