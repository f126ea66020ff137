"""The gate API: a `Function` computes forward on raw values and backward from a `Context`.

Every operation in backproplab — `x + y`, `x.tanh()`, `F.cross_entropy` — is a `Function`
subclass, and so is any gate a user writes::

    class Multiply(Function):
        '''z = x·y;  ∂z/∂x = y, ∂z/∂y = x'''
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad_z):
            x, y = ctx.saved_tensors
            return y * grad_z, x * grad_z

    z = Multiply.apply(a, b)          # a, b: Scalar or Tensor

`forward` sees raw values (floats for Scalar, numpy arrays for Tensor) and returns one raw value.
`backward` receives dL/dz and returns one gradient per positional argument of `forward`, None
where there is none (trailing Nones may be left out). Positional arguments that are not Scalar or
Tensor (an axis, a shape, an index array) and keyword arguments pass through to `forward`
unchanged and get no gradient. Gradients may come back in a broadcast shape: the engine sums them
to each input's shape, as PyTorch does.

The `Context` of a result is its graph node: `z.grad_fn.function` is the gate, `.inputs` the
values it read, and `.saved_tensors` what forward kept for backward. Debuggers and renderers walk
the graph through these public names.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any

import numpy as np

from autograd.value import Value

_state = {"grad_enabled": True, "anomaly": False, "scope": ""}


class no_grad(ContextDecorator):
    """Within this block (or decorated function) operations record no graph."""

    def __enter__(self) -> no_grad:
        self._previous = _state["grad_enabled"]
        _state["grad_enabled"] = False
        return self

    def __exit__(self, *exc: object) -> None:
        _state["grad_enabled"] = self._previous


class enable_grad(ContextDecorator):
    """Turns graph recording back on inside a `no_grad` block."""

    def __enter__(self) -> enable_grad:
        self._previous = _state["grad_enabled"]
        _state["grad_enabled"] = True
        return self

    def __exit__(self, *exc: object) -> None:
        _state["grad_enabled"] = self._previous


def is_grad_enabled() -> bool:
    return _state["grad_enabled"]


class detect_anomaly(ContextDecorator):
    """Within this block, the first backward gate that yields NaN or Inf raises, naming the gate."""

    def __enter__(self) -> detect_anomaly:
        self._previous = _state["anomaly"]
        _state["anomaly"] = True
        return self

    def __exit__(self, *exc: object) -> None:
        _state["anomaly"] = self._previous


class scope(ContextDecorator):
    """Tags every node created inside with a path such as `blocks.0.attn` (see `Context.scope`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> scope:
        self._previous = _state["scope"]
        _state["scope"] = f"{self._previous}.{self.name}" if self._previous else self.name
        return self

    def __exit__(self, *exc: object) -> None:
        _state["scope"] = self._previous


class Context:
    """A graph node: the gate that ran, the values it read, and what it saved for backward.

    Gates may also keep small facts on it (`ctx.axis = axis`). After a backward pass without
    `retain_graph=True` the saved values are freed and a second backward raises.
    """

    __slots__ = (
        "__dict__",
        "_freed",
        "_locked",
        "_passed",
        "_positions",
        "_record",
        "_saved",
        "_versions",
        "function",
        "inputs",
        "needs_input_grad",
        "scope",
    )

    def __init__(self, function: type[Function], inputs: tuple[Value, ...],
                 needs_input_grad: tuple[bool, ...], positions: tuple[int, ...] | None,
                 record: bool = True) -> None:
        self.function = function
        self.inputs = inputs
        self.needs_input_grad = needs_input_grad
        self.scope = _state["scope"]
        self._positions = positions
        self._saved: tuple[Any, ...] = ()
        self._versions: list[tuple[Value, int]] | None = None
        self._locked: list[np.ndarray] | None = None
        self._freed = False
        self._record = record
        self._passed: tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        """Keep raw values for backward, guarded against in-place change.

        An input's array is guarded by its tensor's version counter; an array forward made
        itself is made read-only (until the graph is freed), so a write into it fails at once.
        Arrays handed to forward as plain arguments belong to the caller and are left alone.
        """
        self._saved = values
        if not self._record:
            return
        for value in values:
            if value.__class__ is not np.ndarray:
                continue
            for inp in self.inputs:
                if inp.data is value:
                    if self._versions is None:
                        self._versions = []
                    self._versions.append((inp, inp._version))
                    break
            else:
                if any(value is p for p in self._passed):
                    continue
                if value.flags.writeable and value.base is None:
                    value.flags.writeable = False
                    if self._locked is None:
                        self._locked = []
                    self._locked.append(value)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._freed:
            raise RuntimeError(_freed_message(self))
        return self._saved

    @property
    def name(self) -> str:
        return self.function.__name__

    def free(self) -> None:
        """Drop what forward saved; called by a backward pass that does not retain the graph."""
        self._saved = ()
        self._versions = None
        self._freed = True
        if self._locked is not None:
            for array in self._locked:
                array.flags.writeable = True
            self._locked = None

    def check_saved_versions(self) -> None:
        for value, version in self._versions or ():
            if value._version != version:
                label = f" {value.name!r}" if value.name else ""
                raise RuntimeError(
                    f"{self.name}.backward: an array it saved (input{label}, shape "
                    f"{value.shape}) was modified in place after forward (version {version}, now "
                    f"{value._version}); the gradient would be wrong. Recompute the forward pass "
                    f"after the change, or change a copy."
                )

    def __repr__(self) -> str:
        names = ", ".join(v.name or type(v).__name__ for v in self.inputs)
        return f"<{self.name} node ({names})>"


def _freed_message(ctx: Context) -> str:
    return (
        f"{ctx.name}.backward: the graph was already freed by an earlier backward pass. "
        "Call .backward(retain_graph=True) the first time to backward through it again."
    )


class Function:
    """Base class of every gate. Subclasses define static `forward` and `backward`."""

    @staticmethod
    def forward(ctx: Context, *args: Any, **options: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **options: Any) -> Any:
        """Run forward on the raw values of `args` and, when a gradient is needed, record a node."""
        inputs: list[Value] = []
        raw: list[Any] = []
        needs: list[bool] = []
        positions: list[int] | None = None
        for i, arg in enumerate(args):
            if isinstance(arg, Value):
                inputs.append(arg)
                raw.append(arg.data)
                needs.append(arg._requires_grad)
            else:
                if positions is None:
                    positions = list(range(i))
                raw.append(arg)
                needs.append(False)
                continue
            if positions is not None:
                positions.append(i)
        if not inputs:
            raise TypeError(f"{cls.__name__}.apply: needs at least one Scalar or Tensor argument")
        kind = inputs[0]._result_type
        for value in inputs:
            if value._result_type is not kind:
                raise TypeError(
                    f"{cls.__name__}: cannot mix {kind.__name__} and "
                    f"{value._result_type.__name__} inputs"
                )
        record = _state["grad_enabled"] and any(needs)
        ctx = Context(cls, tuple(inputs), tuple(needs),
                      None if positions is None else tuple(positions), record)
        if positions is not None or options:
            ctx._passed = (*(a for a in args if not isinstance(a, Value)), *options.values())
        try:
            out = cls.forward(ctx, *raw, **options)
        except (ValueError, IndexError, TypeError) as error:
            named = _name_the_gate(error, cls, inputs)
            if named is error:
                raise
            raise named from error
        if not record:
            return kind._wrap(out, None)
        return kind._wrap(out, ctx)


def _name_the_gate(error: Exception, cls: type[Function], inputs: list[Value]) -> Exception:
    """Prefix numpy's message with the gate and its input shapes, unless the gate already did."""
    message = str(error)
    if message.startswith(cls.__name__):
        return error
    shapes = " and ".join(str(getattr(v, "shape", "()")) for v in inputs)
    message = f"{cls.__name__} on inputs of shape {shapes}: {message}"
    try:
        return type(error)(message)
    except Exception:
        return ValueError(message)


def run_gate_backward(ctx: Context, grad: Any) -> tuple[Any, ...]:
    """Call `ctx.function.backward` and return one gradient per entry of `ctx.inputs`."""
    if ctx._freed:
        raise RuntimeError(_freed_message(ctx))
    if ctx._versions is not None:
        ctx.check_saved_versions()
    grads = ctx.function.backward(ctx, grad)
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    positions = ctx._positions
    count = len(ctx.needs_input_grad)
    if len(grads) > count:
        raise RuntimeError(
            f"{ctx.name}.backward returned {len(grads)} gradients for {count} arguments of forward"
        )
    if positions is not None:
        grads = tuple(grads[i] if i < len(grads) else None for i in positions)
    elif len(grads) < count:
        grads = tuple(grads) + (None,) * (count - len(grads))
    if _state["anomaly"]:
        _check_finite(ctx, grads)
    return grads


def _check_finite(ctx: Context, grads: tuple[Any, ...]) -> None:
    for index, (value, grad) in enumerate(zip(ctx.inputs, grads)):
        if grad is not None and not np.all(np.isfinite(grad)):
            label = f" ({value.name!r})" if value.name else ""
            raise FloatingPointError(
                f"detect_anomaly: {ctx.name}.backward returned NaN or Inf in the gradient of "
                f"input {index}{label}"
            )


Hook = Callable[[Any], Any]
