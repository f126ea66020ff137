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

import itertools
from contextlib import ContextDecorator
from typing import Any

import numpy as np

from autograd.value import Value

# grad_enabled: record graphs; anomaly: check backward for NaN/Inf; scope: module path for new
# nodes; epoch: counts in-place changes, so a backward can tell if any happened since forward
# profiler: the active `autograd.profile`, if any
_state: dict[str, Any] = {"grad_enabled": True, "anomaly": False, "scope": "", "epoch": 0,
                          "profiler": None}


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
    """Tags every node created inside with a path such as `blocks.0.attn` (see `Context.scope`),
    `name` appended to the enclosing scope's path. (Modules set their full path themselves.)"""

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

    Gates may also keep small facts on it (`ctx.axis = axis`). `sequence` numbers nodes in the
    order they were made, so a node is always numbered after its inputs' nodes. After a backward
    pass without `retain_graph=True` the saved values are freed and a second backward raises.
    """

    __slots__ = ("__dict__", "_epoch", "_saved", "function", "inputs", "sequence")

    # set only for some nodes, so they live on the class until a node needs its own
    scope = ""
    _positions: tuple[int, ...] | None = None   # where the inputs stand among forward's arguments
    _arity = 0                                  # how many arguments forward took, when not all inputs
    _passed: tuple[Any, ...] = ()               # the arguments that are not values, and options
    _locked: list[np.ndarray] | None = None     # saved arrays made read-only until the graph is freed

    def save_for_backward(self, *values: Any) -> None:
        """Keep raw values for backward, guarded against in-place change.

        An input's array is guarded by its tensor's version (see `bump_version`). The gate's own
        result, when it is saved, is made read-only until the graph is freed, so a write into
        the result fails at once (see `Function.apply`). Other saved arrays never leave the node.
        """
        self._saved = values

    def lock_saved_result(self, result: np.ndarray) -> None:
        """Make the saved array that is `result` (or that `result` is a view of) read-only, and
        `result` with it: a view made earlier does not follow its base's flag."""
        owner = result.base if result.base is not None else result
        for value in self._saved:
            if (value is result or value is owner) and value.__class__ is np.ndarray \
                    and value.flags.writeable and not self._came_in(value):
                value.flags.writeable = False
                self._locked = [value]
                if result is not value:
                    result.flags.writeable = False
                    self._locked.append(result)   # unlocked after its base: free() keeps order
                return

    def _came_in(self, array: np.ndarray) -> bool:
        """Was `array` handed to forward (an input's data, or a plain argument)?"""
        return any(array is value.data for value in self.inputs) or \
            any(array is plain for plain in self._passed)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """Per positional argument of forward: does it need a gradient?"""
        inputs = self.inputs
        if self._positions is None:
            if len(inputs) == 2:   # most gates: spelled out, as a comprehension costs a frame
                return inputs[0]._requires_grad, inputs[1]._requires_grad
            return tuple([value._requires_grad for value in inputs])
        flags = [False] * self._arity
        for position, value in zip(self._positions, inputs):
            flags[position] = value._requires_grad
        return tuple(flags)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._saved is None:
            raise RuntimeError(freed_message(self))
        return self._saved

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def freed(self) -> bool:
        return self._saved is None

    def free(self) -> None:
        """Drop what forward saved; called by a backward pass that does not retain the graph."""
        self._saved = None
        if self._locked is not None:
            for array in self._locked:
                array.flags.writeable = True
            self._locked = None

    def check_saved_versions(self, output: Value) -> None:
        """Raise if a value whose array this node saved was changed in place since forward."""
        for saved in self._saved or ():
            for value in (*self.inputs, output):
                if value.data is saved and value._version > self._epoch:
                    role = "output" if value is output else "input"
                    label = f" {value.name!r}" if value.name else ""
                    raise RuntimeError(
                        f"{self.name}.backward: an array it saved ({role}{label}, shape "
                        f"{np.shape(saved)}) was modified in place after forward; the gradient "
                        "would be wrong. Recompute the forward pass after the change, or change a "
                        "copy."
                    )

    def __repr__(self) -> str:
        names = ", ".join(v.name or type(v).__name__ for v in self.inputs)
        return f"<{self.name} node ({names})>"


def freed_message(ctx: Context) -> str:
    return (
        f"{ctx.name}.backward: the graph was already freed by an earlier backward pass. "
        "Call .backward(retain_graph=True) the first time to backward through it again."
    )


_sequence = itertools.count()


def bump_version(value: Value) -> None:
    """Mark `value` as changed in place now; backward passes that saved its array will refuse."""
    _state["epoch"] += 1
    value._version = _state["epoch"]


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
        ctx = Context()
        ctx.function = cls
        ctx.inputs = args
        ctx.sequence = next(_sequence)
        ctx._epoch = _state["epoch"]
        ctx._saved = ()
        if _state["scope"]:
            ctx.scope = _state["scope"]
        count = len(args)
        x = args[0] if count else None
        y = args[1] if count > 1 else None
        # the usual calls, one or two values of one kind and nothing else, skip the general reading
        if count == 1 and not options and isinstance(x, Value):
            kind, needed, raw = x._result_type, x._requires_grad, None
        elif count == 2 and not options and isinstance(x, Value) and isinstance(y, Value) \
                and y._result_type is x._result_type:
            kind, needed, raw = x._result_type, x._requires_grad or y._requires_grad, None
        else:
            kind, needed, raw = _read_arguments(ctx, args, options)
        record = needed and _state["grad_enabled"]
        try:   # direct calls where possible: a call through *args costs three times as much
            if raw is not None:
                out = cls.forward(ctx, *raw, **options)
            elif count == 2:
                out = cls.forward(ctx, x.data, y.data)
            else:
                out = cls.forward(ctx, x.data)
        except (ValueError, IndexError, TypeError) as error:
            named = _name_the_gate(error, cls, ctx.inputs)
            if named is error:
                raise
            raise named from error
        if not record:
            return kind._wrap(out, None)
        if ctx._saved and out.__class__ is np.ndarray:
            ctx.lock_saved_result(out)
        return kind._wrap(out, ctx)


def _read_arguments(ctx: Context, args: tuple[Any, ...], options: dict[str, Any]
                    ) -> tuple[Any, bool, list[Any]]:
    """The kind of value (Scalar or Tensor) `args` share, whether any of them requires grad, and
    the raw arguments for forward. Arguments that are not values (an axis, a shape) pass through:
    the node then notes where its inputs stand among forward's arguments."""
    needed = False
    kind = None
    raw: list[Any] = []
    values: list[Value] = []
    positions: list[int] = []
    passed: list[Any] = []
    for position, arg in enumerate(args):
        if isinstance(arg, Value):
            if kind is None:
                kind = arg._result_type
            elif arg._result_type is not kind:
                raise TypeError(f"{ctx.function.__name__}: cannot mix {kind.__name__} and "
                                f"{arg._result_type.__name__} inputs")
            needed = needed or arg._requires_grad
            raw.append(arg.data)
            values.append(arg)
            positions.append(position)
        else:
            raw.append(arg)
            passed.append(arg)
    if kind is None:
        raise TypeError(f"{ctx.function.__name__}.apply: needs at least one Scalar or Tensor "
                        "argument")
    if passed:
        ctx.inputs = tuple(values)
        ctx._positions = tuple(positions)
        ctx._arity = len(args)
    if passed or options:
        ctx._passed = (*passed, *options.values())
    return kind, needed, raw


def _name_the_gate(error: Exception, cls: type[Function], inputs: tuple[Value, ...]) -> Exception:
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


def align_gradients(ctx: Context, grads: Any) -> tuple[Any, ...]:
    """What a gate's backward returned, as one gradient per entry of `ctx.inputs`."""
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    count = len(ctx.inputs) if ctx._positions is None else ctx._arity
    if len(grads) > count:
        raise RuntimeError(
            f"{ctx.name}.backward returned {len(grads)} gradients for {count} arguments of forward"
        )
    if ctx._positions is not None:
        return tuple([grads[i] if i < len(grads) else None for i in ctx._positions])
    return (*grads, *(None,) * (count - len(grads)))


def check_finite(ctx: Context, grads: tuple[Any, ...]) -> None:
    """detect_anomaly's check of one gate's gradients."""
    for index, (value, grad) in enumerate(zip(ctx.inputs, grads)):
        if grad is not None and not np.all(np.isfinite(grad)):
            label = f" ({value.name!r})" if value.name else ""
            raise FloatingPointError(
                f"detect_anomaly: {ctx.name}.backward returned NaN or Inf in the gradient of "
                f"input {index}{label}"
            )

