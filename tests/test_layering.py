"""The engine's layering, read from the source with `ast` (every import counted: at the top,
inside functions, under TYPE_CHECKING): the core (`autograd/core`) imports no gate, no layer,
no tool and no model; and no import loop spans two folders of `autograd/` — the only loop left
is inside the core (`Value.backward`'s late import of the engine, as PyTorch's
`Tensor.backward` does)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograd"
FORBIDDEN_IN_CORE = ("autograd.gates", "autograd.nn", "autograd.tools", "models")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports, anywhere in the file (`from a import b` counts as
    a.b when a.b is a module, else as a)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return {name for name in found if name in known or name.split(".")[0] == "models"}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, known) & known for name, path in files.items()}


def folder(module: str) -> str:
    path = PACKAGE.parent / module.replace(".", "/")
    return module if path.is_dir() else module.rsplit(".", 1)[0]


def loops(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_the_core_imports_no_gate_layer_tool_or_model() -> None:
    edges = graph()
    offending = {module: sorted(target for target in targets if target.startswith(FORBIDDEN_IN_CORE))
                 for module, targets in edges.items() if module.startswith("autograd.core")}
    assert {m: t for m, t in offending.items() if t} == {}


def test_no_import_loop_spans_two_folders() -> None:
    spanning = [sorted(loop) for loop in loops(graph()) if len({folder(m) for m in loop}) > 1]
    assert spanning == []


def test_the_checks_can_fail() -> None:
    """A loop across folders and a core module importing a gate are both found."""
    edges = {"autograd.core.engine": {"autograd.gates.shape"},
             "autograd.gates.shape": {"autograd.core.engine"}}
    assert [sorted(loop) for loop in loops(edges)] == [["autograd.core.engine",
                                                        "autograd.gates.shape"]]
    assert folder("autograd.core.engine") != folder("autograd.gates.shape")
