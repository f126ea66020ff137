"""The lectures' worked examples of the engine, each runnable (`python -m autograd.examples.NAME`)
and each usable as `backproplab graph --example NAME` and `backproplab step --example NAME`.
They need the engine and its tools only, so they live inside `autograd` (a top-level `examples`
package would collide with a student's own `examples/` folder and with other distributions).

Every module has `graph()`, the example's computation as a fresh graph (not yet
backpropagated), and `main()`, which prints the lecture's numbers and returns them; a module may
name its step-through page with `TITLE`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXAMPLES = {
    "add-mul": "add_mul",
    "neuron": "neuron",
    "sigmoid-ce": "sigmoid_ce",
    "softmax-ce": "softmax_ce",
    "xor": "xor",
    "linear-xor": "linear_xor",
    "skipgram": "skipgram",
    "bptt": "bptt",
    "deep-sigmoid": "deep_sigmoid",
    "newton": "newton",
    "hvp": "hvp",
}


def load(name: str) -> ModuleType:
    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}: choose one of {', '.join(EXAMPLES)}")
    return importlib.import_module(f"autograd.examples.{EXAMPLES[name]}")
