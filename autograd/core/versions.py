"""Version counters: how a backward pass knows that an array it saved was changed in place.

A gate's backward uses arrays its forward saved (tanh saves its output, a product its inputs).
If one of them is changed in place in between (`add_`, `mul_`, `copy_`, `zero_`, an optimiser's
step), the gradient would be computed from the wrong numbers, silently. So, as in PyTorch:

- every in-place change moves a global clock on and stamps the changed array's memory with it
  (`bump_version`): the stamp goes on the array that owns the memory, so a change through any
  alias — `x.detach()`, a view `x[:]` or `x.reshape(…)` — stamps `x` too, as PyTorch's views
  share their base's version counter; a node notes the clock when it is made;
- at backward, a node made before the latest stamp checks its saved arrays
  (`check_saved_versions`) and raises naming the gate if the memory of one of them was
  stamped later;
- a gate's own result that it saved is guarded more directly: it is read-only until the backward
  has used it (`lock_saved_result`, undone by `unlock`), so a write into it fails at once.

Writing into a leaf's `.data` directly bypasses both, as it does in PyTorch.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from autograd.core.function import Context
    from autograd.core.node import Node, Variable
    from autograd.core.value import Value


class Clock:
    """Counts in-place changes; `now` is the stamp of the latest."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = 0


clock = Clock()


# id(array owning some memory) → (a weak reference to it, the clock at its last change)
_stamps: dict[int, tuple[weakref.ref[np.ndarray], int]] = {}


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns `array`'s memory (itself, unless it is a view)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _forget(key: int) -> Any:
    return lambda _: _stamps.pop(key, None)   # called when the owner is freed


def bump_version(value: Value) -> None:
    """Mark `value` as changed in place now; backward passes that saved its array, or any
    alias of its memory, will refuse."""
    clock.now += 1
    value._version = clock.now
    if isinstance(value.data, np.ndarray):
        owner = _owner(value.data)
        key = id(owner)
        stamp = _stamps.get(key)
        ref = stamp[0] if stamp is not None and stamp[0]() is owner else \
            weakref.ref(owner, _forget(key))
        _stamps[key] = (ref, clock.now)


def changed_since(array: Any, moment: int) -> bool:
    """Was the memory of `array` changed in place after the clock read `moment`?"""
    if not isinstance(array, np.ndarray):
        return False
    owner = _owner(array)
    stamp = _stamps.get(id(owner))
    return stamp is not None and stamp[0]() is owner and stamp[1] > moment


def check_saved_versions(ctx: Node, output: Variable) -> None:
    """Raise if an array `ctx` saved (or memory it shares) was changed in place after `ctx` was
    made."""
    for saved in ctx._saved or ():
        if changed_since(saved, ctx._clock_at_forward):
            value = next((v for v in (*ctx.inputs, output) if v.data is saved), None)
            role = "memory" if value is None else "output" if value is output else "input"
            label = f" {value.name!r}" if value is not None and value.name else ""
            raise RuntimeError(
                f"{ctx.name}.backward: an array it saved ({role}{label}, shape "
                f"{np.shape(saved)}) was modified in place after forward (directly, or through "
                "an alias: a view or .detach()); the gradient "
                "would be wrong. Recompute the forward pass after the change, or change a copy."
            )


def lock_saved_result(ctx: Context, result: np.ndarray) -> None:
    """Make the saved array that is `result` (or that `result` is a view of) read-only, and
    `result` with it: a view made earlier does not follow its base's flag."""
    owner = result.base if result.base is not None else result
    for saved in ctx._saved or ():
        if (saved is result or saved is owner) and saved.__class__ is np.ndarray \
                and saved.flags.writeable and not _was_given(ctx, saved):
            saved.flags.writeable = False
            ctx._read_only = [saved]
            if result is not saved:
                result.flags.writeable = False
                ctx._read_only.append(result)   # unlocked after its base: `unlock` keeps order
            return


def unlock(arrays: list[np.ndarray]) -> None:
    """Make writable again what `lock_saved_result` locked, once the backward has run."""
    for array in arrays:
        array.flags.writeable = True


def _was_given(ctx: Context, array: np.ndarray) -> bool:
    """Was `array` handed to forward (an input's data, or a plain argument)? Those are the
    caller's, not the gate's to lock."""
    return any(array is value.data for value in ctx.inputs) or \
        any(array is plain for plain in ctx._plain_arguments)
