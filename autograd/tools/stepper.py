"""A debugger for a backward pass, in the terminal: one gate at a time, in the engine's order.

    Stepper(trace_backward(loss)).cmdloop()

Each step prints the gate's [upstream] × [local] = [downstream] (or its rule and shapes); the
commands are the standard library's `cmd.Cmd` ones a debugger user expects: Enter or `n` for the
next gate, `b` to go back one, `c` to run to the end, `p NAME` to print a value and the part of
its gradient the pass has made so far, `q` to quit. End of input runs to the end.
"""

from __future__ import annotations

import cmd
from typing import IO

from autograd.tools.trace import Trace, number

HELP = ("Enter/n: next, b: back, c: continue, p NAME: print a value and its gradient so far, "
        "q: quit")


def gradient_so_far(trace: Trace, name: str, steps_done: int) -> str:
    """What `p NAME` prints after `steps_done` gates: the value and only the contributions to
    its gradient that the pass has made so far."""
    value = trace.find(name)
    if value is None:
        return f"no value labelled {name!r}; labels: {', '.join(trace.labels.values())}"
    grad = trace.grad_after(value, steps_done)
    so_far = "nothing yet" if grad is None else number(grad)
    return f"{name} = {number(value.data)}, ∂L/∂{name} so far = {so_far}"


class Stepper(cmd.Cmd):
    """Steps through `trace`; `shown` is how many gates have been printed."""

    prompt = "(step) "

    def __init__(self, trace: Trace, stdin: IO[str] | None = None,
                 stdout: IO[str] | None = None) -> None:
        super().__init__(stdin=stdin, stdout=stdout)
        self.use_rawinput = stdin is None
        self.trace, self.shown = trace, 0

    def _show_next(self) -> bool:
        """Print the next gate; True (stop) when there is none."""
        if self.shown >= len(self.trace):
            return True
        self.stdout.write(self.trace.steps[self.shown].describe(self.trace.labels) + "\n")
        self.shown += 1
        return False

    def preloop(self) -> None:
        self._show_next()

    def emptyline(self) -> bool:
        return self._show_next()

    def do_n(self, arg: str) -> bool:
        """n: the next gate"""
        return self._show_next()

    def do_b(self, arg: str) -> bool:
        """b: the gate before the one shown"""
        self.shown = max(self.shown - 2, 0)
        return self._show_next()

    def do_c(self, arg: str) -> bool:
        """c: every remaining gate, then stop"""
        while not self._show_next():
            pass
        return True

    def do_p(self, arg: str) -> bool:
        """p NAME: a value and its gradient so far"""
        self.stdout.write(gradient_so_far(self.trace, arg.strip(), self.shown) + "\n")
        return False

    def do_q(self, arg: str) -> bool:
        """q: quit"""
        return True

    def do_EOF(self, arg: str) -> bool:
        return self.do_c(arg)

    def default(self, line: str) -> None:
        self.stdout.write(HELP + "\n")
