"""`with autograd.tools.profile() as p:` — where does the time go, gate by gate?

Inside the block every gate's forward (`Function.apply`, bookkeeping included) and backward is
timed; `print(p)` shows calls, total time and share per gate type. Outside a block nothing is
timed and nothing costs anything.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from autograd.core.function import Context, Function
from autograd.core.grad_mode import modes


class profile:
    def __init__(self) -> None:
        self.forward: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.backward: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    # every way into a gate's forward: the general one and the operators' short paths
    _ENTRIES = ("apply", "_apply_one", "_apply_two")

    def __enter__(self) -> profile:
        if modes.profiler is not None:
            raise RuntimeError("profile: already profiling")
        self._originals = {name: Function.__dict__[name] for name in self._ENTRIES}
        for name, original in self._originals.items():
            setattr(Function, name, classmethod(self._timed(original.__func__)))
        modes.profiler = self
        return self

    def _timed(self, plain: Any) -> Any:
        record = self.forward

        def timed(cls: type[Function], *args: Any, **options: Any) -> Any:
            start = time.perf_counter()
            try:
                return plain(cls, *args, **options)
            finally:
                entry = record[cls.__name__]
                entry[0] += 1
                entry[1] += time.perf_counter() - start

        return timed

    def __exit__(self, *exc: object) -> None:
        for name, original in self._originals.items():
            setattr(Function, name, original)
        modes.profiler = None

    def run_backward(self, ctx: Context, upstream: Any) -> Any:
        """Called by the engine instead of `ctx.function.backward` while profiling."""
        start = time.perf_counter()
        try:
            return ctx.function.backward(ctx, upstream)
        finally:
            entry = self.backward[ctx.name]
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    def rows(self) -> list[tuple[str, int, float, int, float]]:
        """(gate, forward calls, forward seconds, backward calls, backward seconds), slowest first."""
        names = set(self.forward) | set(self.backward)
        rows = [(n, int(self.forward[n][0]), self.forward[n][1], int(self.backward[n][0]),
                 self.backward[n][1]) for n in names]
        return sorted(rows, key=lambda r: -(r[2] + r[4]))

    def __str__(self) -> str:
        rows = self.rows()
        total = sum(r[2] + r[4] for r in rows) or 1.0
        lines = [f"{'gate':<14}{'calls':>8}{'forward ms':>12}{'backward ms':>13}{'share':>8}"]
        for name, fc, ft, _bc, bt in rows:
            lines.append(f"{name:<14}{fc:>8}{ft * 1e3:>12.2f}{bt * 1e3:>13.2f}"
                         f"{(ft + bt) / total:>8.1%}")
        lines.append(f"{'total':<14}{'':>8}{sum(r[2] for r in rows) * 1e3:>12.2f}"
                     f"{sum(r[4] for r in rows) * 1e3:>13.2f}")
        return "\n".join(lines)

