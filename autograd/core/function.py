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

For gradients of gradients (`backward(create_graph=True)`, `autograd.grad`) a gate also says how
its backward is computed with recorded operations, in one of two ways:

- `recorded_backward(ctx, grad, out)`: the same rule as `backward`, written with operations on
  values — `grad` and the output `out` are values, `ctx.inputs` the inputs — so that the
  backward pass is itself a graph (`Multiply`: `x, y = ctx.inputs; return grad * y, grad * x`);
- `composition(*args, **options)`: for a fused gate, forward's function written with other
  gates (LayerNorm as means, a square root and a division); its recorded backward is then the
  backward of that composition, recorded.

The `Context` of a result is its graph node: `z.grad_fn.function` is the gate, `.inputs` the
values it read, and `.saved_tensors` what forward kept for backward. Debuggers and renderers walk
the graph through these public names.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import numpy as np

from autograd.core.grad_mode import modes
from autograd.core.node import Node
from autograd.core.value import Value
from autograd.core.versions import clock, lock_saved_result, unlock


class Context:
    """A graph node: the gate that ran, the values it read, and what it saved for backward.

    Gates may also keep small facts on it (`ctx.axis = axis`). `sequence` numbers nodes in the
    order they were made, so a node is always numbered after its inputs' nodes. After a backward
    pass without `retain_graph=True` the saved values are freed and a second backward raises.
    """

    __slots__ = ("__dict__", "_clock_at_forward", "_saved", "function", "inputs", "sequence")

    function: type[Function]
    inputs: tuple[Any, ...]   # the values (Scalars or Tensors) among forward's arguments, in order
    sequence: int
    _saved: tuple[Any, ...] | None   # None once freed
    _clock_at_forward: int           # `versions.clock` when made: later in-place changes show

    # set only for some nodes, so they live on the class until a node needs its own
    scope: str = ""
    # where the inputs stand among forward's positional arguments, and how many there were,
    # when some arguments are not values (an axis, a shape)
    _input_positions: tuple[int, ...] | None = None
    _argument_count: int = 0
    _plain_arguments: tuple[Any, ...] = ()       # those arguments, and the options
    _call: tuple[tuple[Any, ...], dict[str, Any]] | None = None   # forward's call, when not plain
    _read_only: list[np.ndarray] | None = None  # saved arrays locked until freed
    # forward's marks (see `outputs`), and what a gate with several outputs returned
    _marked = False
    _dirty: tuple[Any, ...] = ()
    _non_differentiable: tuple[Any, ...] = ()
    _outputs_like: tuple[Any, ...] = ()
    _output_kind: type[Value]

    if TYPE_CHECKING:
        # a gate's own facts (`ctx.axis`, `ctx.shape`) live in the node's __dict__
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def save_for_backward(self, *values: Any) -> None:
        """Keep raw values for backward, guarded against in-place change (see `versions`)."""
        self._saved = values

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """These raw outputs of forward get no gradient: their values require no grad."""
        self._non_differentiable = (*self._non_differentiable, *outputs)
        self._marked = True

    def mark_dirty(self, *inputs: Any) -> None:
        """forward changed these raw inputs in place: their values' versions move on, so gates
        that saved them earlier refuse to run backward on changed numbers."""
        self._dirty = (*self._dirty, *inputs)
        self._marked = True

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """Per positional argument of forward: does it need a gradient?"""
        if self._input_positions is None:
            return tuple([value._requires_grad for value in self.inputs])
        flags = [False] * self._argument_count
        for position, value in zip(self._input_positions, self.inputs):
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

    def arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """forward's positional arguments, values as values (not their data), and its options."""
        return self._call if self._call is not None else (self.inputs, {})

    def free(self) -> None:
        """Drop what forward saved; called by a backward pass that does not retain the graph."""
        self._saved = None
        if self._read_only is not None:
            unlock(self._read_only)
            self._read_only = None

    def __repr__(self) -> str:
        names = ", ".join(v.name or type(v).__name__ for v in self.inputs)
        return f"<{self.name} node ({names})>"


def constant_like(value: Value, raw: Any) -> Any:
    """`raw` as a constant of `value`'s kind (a Scalar or a Tensor that requires no grad)."""
    return value._result_type._wrap(raw, None)


def times_constant(value: Any, factor: Any) -> Any:
    """value · factor, recorded, with `factor` (a mask, a sign, a share) a constant of value's
    kind and dtype: no gradient flows into it."""
    return value * constant_like(value, np.asarray(factor, dtype=np.result_type(value.data)))


def freed_message(ctx: Node) -> str:
    return (
        f"{ctx.name}.backward: the graph was already freed by an earlier backward pass. "
        "Call .backward(retain_graph=True) the first time to backward through it again."
    )


_sequence = itertools.count()


class Function:
    """Base class of every gate. Subclasses define static `forward` and `backward`.

    A gate whose every output entry depends only on the same entry of each input (after
    broadcasting) sets `elementwise = True`: its local derivative is then one number per entry,
    and the lecture's line ∂L/∂x = ∂L/∂z ⊙ ∂z/∂x holds entry by entry (the teaching tools show
    it only for such gates).
    """

    elementwise: ClassVar[bool] = False

    @staticmethod
    def forward(ctx: Context, *args: Any, **options: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def recorded_backward(cls, ctx: Context, grad: Any, out: Any) -> Any:
        """backward's gradients as values computed by recorded operations (see the module's
        docstring). By default, the recorded backward of the gate's `composition`."""
        if cls.composition is Function.composition:
            raise RuntimeError(
                f"{cls.__name__}: create_graph=True needs the gate's backward as recorded "
                "operations; define recorded_backward(ctx, grad, out) or composition(*args)"
            )
        from autograd.core.engine import grad as gradient
        from autograd.core.grad_mode import enable_grad

        args, options = ctx.arguments()
        with enable_grad():
            replay = cls.composition(*args, **options)
        needed = [v for v in ctx.inputs if v._requires_grad]
        grads = dict(zip(needed, gradient(replay, needed, grad, create_graph=True,
                                          allow_unused=True)))
        return tuple(grads.get(arg) if isinstance(arg, Value) else None for arg in args)

    @staticmethod
    def composition(*args: Any, **options: Any) -> Any:
        """forward's function written with other gates (for a fused gate; see recorded_backward)."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **options: Any) -> Any:
        """Run forward on the raw values of `args` and, when a gradient is needed, record a node."""
        ctx = _new_context(cls, args)
        result_type, needs_grad, raw_args = _read_arguments(ctx, args, options)
        try:
            out = cls.forward(ctx, *raw_args, **options)
        except (ValueError, IndexError, TypeError) as error:
            _raise_naming_the_gate(error, ctx)
        if out.__class__ is tuple or ctx._marked:   # several outputs, or marks (see outputs)
            from autograd.core.outputs import marked_results

            return marked_results(cls, result_type, out, ctx, needs_grad)
        return result_value(result_type, out, ctx, needs_grad)

    # The operators' paths: `apply` for one value, or two of one kind, with nothing else, which
    # skip reading the arguments (most calls in a training step are these).
    @classmethod
    def _apply_one(cls, x: Value) -> Any:
        ctx = _new_context(cls, (x,))
        try:
            out = cls.forward(ctx, x.data)
        except (ValueError, IndexError, TypeError) as error:
            _raise_naming_the_gate(error, ctx)
        return result_value(x._result_type, out, ctx, x._requires_grad)

    @classmethod
    def _apply_two(cls, x: Value, y: Value) -> Any:
        if y._result_type is not x._result_type:
            return cls.apply(x, y)   # which names the mix of kinds
        ctx = _new_context(cls, (x, y))
        try:
            out = cls.forward(ctx, x.data, y.data)
        except (ValueError, IndexError, TypeError) as error:
            _raise_naming_the_gate(error, ctx)
        return result_value(x._result_type, out, ctx, x._requires_grad or y._requires_grad)


def _new_context(function: type[Function], inputs: tuple[Any, ...]) -> Context:
    ctx = Context()
    ctx.function = function
    ctx.inputs = inputs
    ctx.sequence = next(_sequence)
    ctx._clock_at_forward = clock.now
    ctx._saved = ()
    if modes.scope:
        ctx.scope = modes.scope
    return ctx


def result_value(result_type: type[Value], out: Any, ctx: Context, needs_grad: bool) -> Any:
    """The gate's output as a value; it keeps its node only when a gradient will flow back."""
    if not (needs_grad and modes.grad_enabled):
        return result_type._wrap(out, None)
    if ctx._saved and out.__class__ is np.ndarray:
        lock_saved_result(ctx, out)
    return result_type._wrap(out, ctx)


def _read_arguments(ctx: Context, args: tuple[Any, ...], options: dict[str, Any]
                    ) -> tuple[type[Value], bool, list[Any]]:
    """The type of value (Scalar or Tensor) `args` share, whether any of them requires grad, and
    the raw arguments for forward. Arguments that are not values (an axis, a shape) pass through:
    the node then notes where its inputs stand among forward's arguments."""
    result_type: type[Value] | None = None
    needs_grad = False
    raw_args: list[Any] = []
    values: list[Value] = []
    positions: list[int] = []
    plain: list[Any] = []
    for position, arg in enumerate(args):
        if not isinstance(arg, Value):
            raw_args.append(arg)
            plain.append(arg)
            continue
        if result_type is None:
            result_type = arg._result_type
        elif arg._result_type is not result_type:
            raise TypeError(f"{ctx.name}: cannot mix {result_type.__name__} and "
                            f"{arg._result_type.__name__} inputs")
        needs_grad = needs_grad or arg._requires_grad
        raw_args.append(arg.data)
        values.append(arg)
        positions.append(position)
    if result_type is None:
        raise TypeError(f"{ctx.name}.apply: needs at least one Scalar or Tensor argument")
    if plain:
        ctx.inputs = tuple(values)
        ctx._input_positions = tuple(positions)
        ctx._argument_count = len(args)
    if plain or options:
        ctx._plain_arguments = (*plain, *options.values())
        ctx._call = (args, options)
    return result_type, needs_grad, raw_args


def _raise_naming_the_gate(error: Exception, ctx: Context) -> NoReturn:
    """Raise numpy's error with the gate and its input shapes in front, unless the gate's own
    message already names it."""
    message = str(error)
    if message.startswith(ctx.name):
        raise error
    shapes = " and ".join(str(getattr(v, "shape", "()")) for v in ctx.inputs)
    message = f"{ctx.name} on inputs of shape {shapes}: {message}"
    try:
        named = type(error)(message)
    except Exception:
        named = ValueError(message)
    raise named from error


def align_gradients(ctx: Node, grads: Any) -> tuple[Any, ...]:
    """What a gate's backward returned, as one gradient per entry of `ctx.inputs`."""
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    count = len(ctx.inputs) if ctx._input_positions is None else ctx._argument_count
    if len(grads) > count and all(g is None for g in grads[count:]):
        grads = grads[:count]   # trailing Nones are dropped, as PyTorch does
    if len(grads) > count:
        raise RuntimeError(
            f"{ctx.name}.backward returned {len(grads)} gradients for {count} arguments of forward"
        )
    if ctx._input_positions is not None:
        return tuple([grads[i] if i < len(grads) else None for i in ctx._input_positions])
    return (*grads, *(None,) * (count - len(grads)))


def check_finite(ctx: Node, grads: tuple[Any, ...]) -> None:
    """detect_anomaly's check of one gate's gradients."""
    for index, (value, grad) in enumerate(zip(ctx.inputs, grads)):
        if grad is not None and not np.all(np.isfinite(grad)):
            label = f" ({value.name!r})" if value.name else ""
            raise FloatingPointError(
                f"detect_anomaly: {ctx.name}.backward returned NaN or Inf in the gradient of "
                f"input {index}{label}"
            )
