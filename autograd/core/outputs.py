"""Gates with several outputs, and the marks a forward may put on what it returns and reads.

A forward that returns a tuple gives one value per entry (PyTorch's convention). Inside the
graph the entries stay together: the gate's node makes one `Bundle` value holding all of them,
and each value the caller gets is read from it by an `Unbundle` gate. Gradients flow back the
same way: each `Unbundle` puts its gradient in its slot of a `BundleGradients`, slots from
several readers add up at the branch as any gradients do, and the gate's backward then receives
one gradient per output — zeros for an output no gradient reached, as PyTorch does.

Marks, set in forward:
- `ctx.mark_non_differentiable(out)`: that output requires no grad (an index, a count);
- `ctx.mark_dirty(x)`: forward changed input x in place; x's version counter moves on, so any
  gate that saved x before sees the change and refuses to run (a leaf that requires grad may
  not be changed this way).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.core.function import Context, Function, result_value
from autograd.core.grad_mode import modes
from autograd.core.node import Node
from autograd.core.value import Value
from autograd.core.versions import bump_version


class BundleGradients:
    """The gradients that reached a gate's outputs so far: one slot per output, None if none."""

    __slots__ = ("slots",)

    def __init__(self, slots: list[Any]) -> None:
        self.slots = slots

    def __add__(self, other: BundleGradients) -> BundleGradients:
        return BundleGradients([b if a is None else a if b is None else a + b
                                for a, b in zip(self.slots, other.slots)])


class Bundle(Value):
    """All raw results of one gate with several outputs: the node `Unbundle` gates read."""

    __slots__ = ()

    def __init__(self, results: tuple[Any, ...], ctx: Context, kind: type[Value]) -> None:
        self.data = results
        self.grad = None
        self.grad_fn = ctx
        self._requires_grad = True
        self._result_type = kind

    def _fit_grad(self, grad: Any, ctx: Node | None) -> Any:
        return grad   # a BundleGradients, slot by slot

    def _fit_recorded(self, grad: Any, ctx: Node | None) -> Any:
        return grad

    def _store_grad(self, grad: Any) -> None:
        pass   # nobody reads a bundle's gradient; its outputs have their own


class MultiOutputGate:
    """What a multi-output gate's node runs: the gate's backward, given one gradient per output
    (zeros where none arrived). It stands in for the gate in `ctx.function`: it compares equal
    to the gate and answers for it (name, docstring, forward, …), so tools need not know."""

    def __init__(self, function: type[Function]) -> None:
        self.function = function
        self.__name__ = function.__name__
        self.__doc__ = function.__doc__

    def __getattr__(self, name: str) -> Any:
        return getattr(self.function, name)

    def __eq__(self, other: object) -> bool:
        return other is self.function or other is self

    def __hash__(self) -> int:
        return hash(self.function)

    def backward(self, ctx: Context, grads: BundleGradients) -> Any:
        return self.function.backward(ctx, *_filled(ctx, grads.slots, recorded=False))

    def recorded_backward(self, ctx: Context, grads: BundleGradients, out: Any) -> Any:
        # the gate's recorded_backward gets the tuple of gradients, one per output
        return self.function.recorded_backward(ctx, tuple(_filled(ctx, grads.slots, True)), out)


def _filled(ctx: Context, slots: list[Any], recorded: bool) -> list[Any]:
    results = []
    for grad, like in zip(slots, ctx._outputs_like):
        if grad is None:
            grad = np.zeros_like(like) if isinstance(like, np.ndarray) else 0.0
            if recorded:
                grad = ctx._output_kind._wrap(grad, None)
        results.append(grad)
    return results


def marked_results(function: type[Function], result_type: type[Value], out: Any, ctx: Context,
                   needs_grad: bool) -> Any:
    """The values a forward's results become, when it returned a tuple or marked something."""
    recording = needs_grad and modes.grad_enabled
    for position, value in enumerate(ctx.inputs):
        if any(value.data is raw for raw in ctx._dirty):
            _check_dirty(function, value, position, recording)
            bump_version(value)
    constant = ctx._non_differentiable
    if out.__class__ is not tuple:
        if any(out is raw for raw in constant):
            return result_type._wrap(out, None)
        return result_value(result_type, out, ctx, needs_grad)
    if not recording:
        return tuple(result_type._wrap(raw, None) for raw in out)
    ctx._outputs_like, ctx._output_kind = out, result_type
    ctx.function = MultiOutputGate(function)   # type: ignore[assignment]
    bundle = Bundle(out, ctx, result_type)
    return tuple(result_type._wrap(raw, None) if any(raw is c for c in constant)
                 else Unbundle.apply(bundle, index) for index, raw in enumerate(out))


def _check_dirty(function: type[Function], value: Value, position: int, recording: bool) -> None:
    if recording and value.grad_fn is None and value._requires_grad:
        raise RuntimeError(
            f"{function.__name__}: forward changed input {position} in place (mark_dirty), but "
            "it is a leaf that requires grad; change a copy (x.clone()) instead"
        )


class Unbundle(Function):
    """z = result k of a gate with several outputs;  ∂L/∂(results) = ∂L/∂z in slot k, none
    in the others"""

    @staticmethod
    def forward(ctx: Context, results: tuple[Any, ...], index: int) -> Any:
        ctx.index, ctx.count = index, len(results)
        return results[index]

    @staticmethod
    def backward(ctx: Context, grad: Any) -> BundleGradients:
        slots: list[Any] = [None] * ctx.count
        slots[ctx.index] = grad
        return BundleGradients(slots)

    @staticmethod
    def recorded_backward(ctx: Context, grad: Any, out: Any) -> BundleGradients:
        return Unbundle.backward(ctx, grad)
