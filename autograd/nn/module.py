"""`Module` and `Parameter`: named, nested collections of trainable tensors (PyTorch's names)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd.core.grad_mode import modes, module_scope
from autograd.tensor import Tensor


class Parameter(Tensor):
    """A Tensor a Module trains: it requires grad unless told otherwise."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None,
                 name: str | None = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)


class Module:
    """Base class of layers and models.

    Assigning a Parameter, a Module or (via `register_buffer`) a state tensor to an attribute
    registers it under that name, so `named_parameters()` yields dotted paths such as
    `blocks.0.attn.qkv.weight`. Calling a module runs `forward` inside `autograd.scope` of its
    path (`blocks.0.attn`), so every graph node it makes knows which module made it.
    """

    training: bool
    _parameters: dict[str, Parameter]
    _modules: dict[str, Module]
    _buffers: dict[str, Tensor]
    _scope_name: str   # the dotted path from the root module ("" for the root)

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_scope_name", "")
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning {name!r}")
        if name in self._buffers and isinstance(value, Tensor):
            self._buffers[name] = value      # a buffer stays a buffer when replaced
            object.__setattr__(self, name, value)
            return
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
            if value.name is None:
                value.name = name
        elif isinstance(value, Module):
            self._modules[name] = value
            value._set_path(f"{self._scope_name}.{name}" if self._scope_name else name)
        object.__setattr__(self, name, value)

    def _set_path(self, path: str) -> None:
        """Record this module's dotted path from the root, and its children's."""
        object.__setattr__(self, "_scope_name", path)
        for name, p in self._parameters.items():
            if p.name is None or p.name == name or p.name.endswith(f".{name}"):
                p.name = f"{path}.{name}"   # named by its full path in graphs and tables
        for name, child in self._modules.items():
            child._set_path(f"{path}.{name}")

    def register_buffer(self, name: str, value: Tensor) -> None:
        """Keep `value` as state (saved in `state_dict`) that is not trained, e.g. running means."""
        self.__setattr__(name, value)
        self._buffers[name] = value
        if value.name is None:
            value.name = name

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # every node made inside is tagged with this module's full path (no context object per call)
        previous = modes.scope
        if self._scope_name:
            modes.scope = self._scope_name if modes.time_step is None else \
                module_scope(self._scope_name)
        try:
            return self.forward(*args, **kwargs)
        finally:
            modes.scope = previous

    # --- walking the tree -------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted path, parameter); a parameter shared by two modules (tied weights) once."""
        seen: set[int] = set()
        for path, module in self.named_modules():
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{path}.{name}" if path else name), p

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        for path, module in self.named_modules():
            for name, b in module._buffers.items():
                yield (f"{path}.{name}" if path else name), b

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    # --- modes and gradients ----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def astype(self, dtype: Any) -> Module:
        """Convert every parameter and buffer to `dtype` in place (e.g. float64 for gradcheck)."""
        for _, tensor in (*self.named_parameters(), *self.named_buffers()):
            if tensor.dtype.kind == "f":
                tensor.data = tensor.data.astype(dtype)
                tensor.grad = None
        return self

    # --- saving -----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, by dotted path."""
        return {name: t.data.copy() for name, t in (*self.named_parameters(), *self.named_buffers())}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy `state` into the parameters and buffers; every name and shape must match."""
        own = dict((*self.named_parameters(), *self.named_buffers()))
        missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
        if missing or unexpected:
            raise KeyError(f"load_state_dict: missing {missing or 'nothing'}, unexpected "
                           f"{unexpected or 'nothing'}")
        for name, tensor in own.items():
            value = np.asarray(state[name])
            if value.shape != tensor.shape:
                raise ValueError(f"load_state_dict: {name} has shape {tensor.shape} in the model "
                                 f"but {value.shape} in the state")
            if tensor.dtype.kind == "f" and (value.dtype.kind != "f" or not np.isfinite(value).all()):
                raise ValueError(f"load_state_dict: {name} must hold finite floating-point "
                                 f"numbers; the state has dtype {value.dtype}"
                                 + ("" if value.dtype.kind != "f" else " with NaN or Inf"))
            tensor.data = value.astype(tensor.dtype, copy=True)
            tensor.grad = None

    # --- display ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        own = sum(p.size for p in self._parameters.values())
        total = self.num_parameters()
        counts = f"{total:,} parameters" if total != own or not self._modules else f"{own:,} parameters"
        head = f"{type(self).__name__}({self.extra_repr()})  # {counts}"
        lines = [head]
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines)
