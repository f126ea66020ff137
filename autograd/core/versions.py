"""Version counters: how a backward pass knows that an array it saved was changed in place.

A gate's backward uses arrays its forward saved (tanh saves its output, a product its inputs).
If one of them is changed in place in between (`add_`, `mul_`, `copy_`, `zero_`, an optimiser's
step), the gradient would be computed from the wrong numbers, silently. So, as in PyTorch:

- every in-place change moves a global clock on and stamps the changed value with it
  (`bump_version`); a node notes the clock when it is made;
- at backward, a node made before the latest stamp checks its saved arrays
  (`check_saved_versions`) and raises naming the gate if one of them was stamped later;
- a gate's own result that it saved is guarded more directly: it is read-only until the backward
  has used it (`lock_saved_result`, undone by `unlock`), so a write into it fails at once.

Writing into a leaf's `.data` directly bypasses both, as it does in PyTorch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from autograd.core.function import Context
    from autograd.core.value import Value


class Clock:
    """Counts in-place changes; `now` is the stamp of the latest."""

    __slots__ = ("now",)

    def __init__(self) -> None:
        self.now = 0


clock = Clock()


def bump_version(value: Value) -> None:
    """Mark `value` as changed in place now; backward passes that saved its array will refuse."""
    clock.now += 1
    value._version = clock.now


def check_saved_versions(ctx: Context, output: Value) -> None:
    """Raise if a value whose array `ctx` saved was changed in place after `ctx` was made."""
    for saved in ctx._saved or ():
        for value in (*ctx.inputs, output):
            if value.data is saved and value._version > ctx._clock_at_forward:
                role = "output" if value is output else "input"
                label = f" {value.name!r}" if value.name else ""
                raise RuntimeError(
                    f"{ctx.name}.backward: an array it saved ({role}{label}, shape "
                    f"{np.shape(saved)}) was modified in place after forward; the gradient would "
                    "be wrong. Recompute the forward pass after the change, or change a copy."
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
