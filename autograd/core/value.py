"""`Value`: what Scalar and Tensor share.

A value has four public fields: `data` (its number or array), `grad` (the accumulated
dL/d(value), filled by a backward pass), `grad_fn` (the `Context` of the gate that made it; None
for a leaf — an input or a parameter) and `requires_grad` (whether gradients flow to it). Its
`backward()` runs the engine from it. What the engine reads of it besides is listed in
`core/node.py` (`Variable`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd.core.function import Context
    from autograd.core.node import Node


class HookHandle:
    """Returned by `register_hook`; `remove()` takes the hook off again."""

    def __init__(self, hooks: list[Callable[[Any], Any]], hook: Callable[[Any], Any]) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Value:
    """A value in the graph: `data`, `grad`, `grad_fn`, `requires_grad` (see the module's
    docstring); `name` an optional label shown by debuggers and renderers. `_version` grows with
    every in-place change (0: never changed).
    """

    data: Any
    grad: Any
    grad_fn: Context | None
    # requires_grad: the property below, over `_requires_grad`

    # Every node sets these; the rarely changed ones below are class defaults instead, so that
    # making a node costs as few attribute writes as possible.
    __slots__ = ("__dict__", "__weakref__", "_grad", "_requires_grad", "data", "grad", "grad_fn")

    name: str | None = None
    # numpy defers to our reflected operators (ndarray @ Tensor → Tensor.__rmatmul__)
    __array_ufunc__ = None
    _hooks: list[Callable[[Any], Any]] | None = None
    _version = 0
    _keep_grad = False
    _has_arrays = False   # whose data are numpy arrays, which gates' saved values must guard
    # (when the node a tensor stands for changed, `x[i] = v`) each change's node number and the
    # value x was before it: gates made earlier send their gradients there (Tensor.value_read_by)
    _before_changes: list[tuple[int, Value]] | None = None

    _result_type: type[Value]
    _grad: Any   # a Tensor's gradient, behind its checking `grad` property

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "requires_grad: only a leaf's flag can be turned off; use .detach() for a "
                "non-leaf value"
            )
        self._check_can_require_grad(flag)
        self._requires_grad = bool(flag)

    def _check_can_require_grad(self, flag: bool) -> None:
        pass

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def value_read_by(self, ctx: Node) -> Value:
        """The value `ctx`'s gate read as this one: this one, unless it was changed in place
        since (only a Tensor can be: see `Tensor.value_read_by`)."""
        return self

    def backward(self, grad: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Backpropagate from this value: accumulate dself/dleaf into every leaf's `.grad`
        (with `create_graph=True`, as values with a graph of their own; see `engine.backward`)."""
        from autograd.core.engine import backward

        backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    def register_hook(self, hook: Callable[[Any], Any]) -> HookHandle:
        """Call `hook(grad)` when this value's gradient is computed; a non-None return replaces it."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: this value does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return HookHandle(self._hooks, hook)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf value after backward (leaves always keep theirs)."""
        self._keep_grad = True

    # Each kind of value says how it is built from a gate's raw output and how a raw gradient
    # is made to fit it (summed to its shape, cast to its dtype).
    @classmethod
    def _wrap(cls, data: Any, ctx: Context | None) -> Value:
        raise NotImplementedError

    def _fit_grad(self, grad: Any, ctx: Node | None) -> Any:
        raise NotImplementedError

    def _fit_recorded(self, grad: Any, ctx: Node | None) -> Any:
        """A recorded gradient (create_graph=True) made to fit this value, as `_fit_grad` does
        for raw ones, by recorded operations; here a raw constant (a gate's zero gradient)
        becomes a value of this kind."""
        return grad if isinstance(grad, Value) else self._result_type._wrap(grad, None)

    def _store_grad(self, grad: Any) -> None:
        raise NotImplementedError

    def _default_grad(self) -> Any:
        raise NotImplementedError

    def _check_root_grad(self, grad: Any) -> Any:
        raise NotImplementedError


def data_of(value: Any) -> Any:
    """A value's raw data (its array or float); anything else as it is."""
    return value.data if isinstance(value, Value) else value


# a value's object, bare: made without running __init__ (a gate's result sets its fields
# itself); bound once, as Scalar.__new__(Scalar) on every result costs a type lookup each time
bare_instance = object.__new__
