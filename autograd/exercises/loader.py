"""Loading a student's file: by path with importlib, under a private module name that never
enters `sys.modules` or `sys.path`, so one student's `Sigmoid` cannot shadow another file's,
nor the checker's own imports. A file that does not load (a syntax error, an exception at import
time) becomes one line naming the file, never a traceback."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType
from typing import Any

from autograd.exercises.grading import Failed, one_line

_serial = itertools.count()

# the MLP LM is built from the student's gates of four earlier exercises: gate → its file
BORROWED = {"Embedding": "embedding", "Linear": "tensor_gates", "Tanh": "scalar_gates",
            "SoftmaxCrossEntropy": "softmax"}


def load_file(path: Path) -> ModuleType:
    """Run the student's file as a fresh module; `Failed` with one line if it cannot be run."""
    if not path.is_file():
        raise Failed(f"{path.name} is missing (backproplab exercises start writes it)")
    spec = importlib.util.spec_from_file_location(f"_backproplab_student_{next(_serial)}", path)
    if spec is None or spec.loader is None:
        raise Failed(f"{path.name} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:   # the student's file: reported, never a crash
        raise Failed(f"{path.name} does not load: {one_line(error)}") from None
    return module


class Borrowed:
    """The gates an exercise takes from the student's other files, loaded on first use; a gate
    that is missing or does not load fails the item that uses it, with the reason."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder
        self._modules: dict[str, ModuleType] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in BORROWED:
            raise AttributeError(name)
        exercise = BORROWED[name]
        if exercise not in self._modules:
            self._modules[exercise] = self._load(exercise)
        gate = getattr(self._modules[exercise], name, None)
        if gate is None:
            raise Failed(f"{name} is missing from {exercise}.py")
        return gate

    def _load(self, exercise: str) -> ModuleType:
        if self._folder is None:
            return importlib.import_module(f"autograd.exercises.solutions.{exercise}")
        try:
            return load_file(self._folder / f"{exercise}.py")
        except Failed as failure:
            raise Failed(f"uses your {exercise}.py: {failure}") from None


def attach_gates(module: ModuleType, folder: Path | None) -> ModuleType:
    """Give the module `gates`: the student's (from `folder`) or, for None, the reference's."""
    module.gates = Borrowed(folder)  # type: ignore[attr-defined]
    return module
