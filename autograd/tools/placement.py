"""Where each value of a graph is drawn, and what gradient crosses each drawn edge.

A drawing shows each value in its own node, or inside the node of a collapsed module
(`Placement`). A drawn edge stands for every (value, reader gate) pair whose value is drawn at
its tail and whose reader at its head (and a gate's edge to the value it made, for that
value's whole gradient). What it carries (`Crossings`) is the rule `draw`, every view of the
explorer, the frames and the live view's model graph share:

- for each value crossing the edge, g_v = Σ of the gradients the engine sent along the edge's
  pairs — a value read twice by one gate (e·e) counts both shares, and for a value whose
  readers all lie behind the edge g_v is its whole ∂L/∂v;
- one value: the edge shows g_v (signed for one number, ‖g_v‖ for a tensor); several values:
  their combined norm √(Σ_v ‖g_v‖²), labelled with how many ("‖0.12‖ (2 values)");
- step by step, the sum of the contributions made so far, with " so far" until the last one
  has arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.core.value import Value

Edge = tuple[str, str]   # (tail node, head node), as Graphviz names them


def node_id(value: Value) -> str:
    return f"v{id(value)}"


def gate_id(value: Value) -> str:
    return f"g{id(value)}"


def magnitude(grad: Any) -> float:
    array = np.asarray(grad, dtype=np.float64)
    return float(abs(array.reshape(()))) if array.size == 1 else float(np.linalg.norm(array))


def edge_text(grad: Any) -> str:
    """What an edge shows for one value: the signed number, else the norm of a tensor."""
    array = np.asarray(grad, dtype=np.float64)
    return f"{array.reshape(()).item():.3g}" if array.size == 1 else f"‖{magnitude(grad):.3g}‖"


class Placement:
    """Where each value is drawn when some modules are collapsed: in its own node, or inside
    the node of the collapsed module that made it. A leaf (a parameter, a constant) read only
    inside one collapsed module goes inside it."""

    def __init__(self, values: list[Value], collapsed: list[str]) -> None:
        self.collapsed = collapsed
        self.scopes = {v.grad_fn.scope for v in values if v.grad_fn is not None}
        readers: dict[int, set[str | None]] = {}
        for value in values:
            if value.grad_fn is not None:
                for parent in value.grad_fn.inputs:
                    readers.setdefault(id(parent), set()).add(self._maker(value))
        self.inside: dict[int, str] = {}
        for value in values:
            owners = readers.get(id(value), set())
            owner = next(iter(owners)) if len(owners) == 1 else None
            if value.grad_fn is None and owner is not None:
                self.inside[id(value)] = owner
        self.drawn: set[str] = set()

    def _maker(self, value: Value) -> str | None:
        """The collapsed module whose gate made `value`, if any."""
        scope = value.grad_fn.scope if value.grad_fn is not None else ""
        for prefix in self.collapsed:
            if scope == prefix or scope.startswith(prefix + "."):
                return prefix
        return None

    def repeats(self, module: str) -> int:
        """How many numbered blocks (`blocks.0`, `blocks.1`) a collapsed list holds; 0 for a
        module that is not a list of blocks."""
        depth = module.count(".") + 1
        parts = {scope.split(".")[depth] for scope in self.scopes
                 if scope.startswith(module + ".")}
        return len(parts) if parts and all(p.isdigit() for p in parts) else 0

    def home(self, value: Value) -> str | None:
        return self.inside.get(id(value)) or self._maker(value)

    def node(self, value: Value, own: str) -> str:
        """The graph node that shows `value` (its own node `own`, or its module's)."""
        module = self.home(value)
        return f"m_{module}" if module else own


@dataclass(frozen=True)
class Send:
    """One gradient the engine passed at its `step`-th gate: to the gate's input `value` from
    the gate that made `reader`; or, with `reader` None, to `value`, the gate's own output (its
    whole gradient, the upstream of that gate)."""

    step: int
    value: Value
    reader: Value | None
    grad: Any


def sends_of(steps: Iterable[Any]) -> list[Send]:
    """Every gradient a trace's steps (`trace.Step`) record the engine sending."""
    found = []
    for step in steps:
        found.append(Send(step.index, step.output, None, step.upstream))
        found.extend(Send(step.index, value, step.output, down)
                     for value, down in zip(step.inputs, step.downstream) if down is not None)
    return found


@dataclass(frozen=True)
class Flow:
    """What a drawn edge shows: its text, the magnitude its colour and width stand for, and
    what hovering it says."""

    text: str
    size: float
    tip: str


def _pair(value: Value, reader: Value | None) -> tuple[int, int]:
    return id(value), id(reader) if reader is not None else 0


class Crossings:
    """The drawn edges of a graph under a `Placement`, and what crosses each (see the module's
    docstring): `carry` the engine's sends (from a trace), or `carry_whole` the values' whole
    gradients where nothing else is known; then `flow` or `updates`."""

    def __init__(self, values: list[Value], placement: Placement, labels: dict[int, str],
                 root: str = "L") -> None:
        self.labels, self.root = labels, root   # root: how the hover writes the output (∂L/∂x)
        self.edges: dict[Edge, None] = {}              # drawn edges, in drawing order
        self.edge_of: dict[tuple[int, int], Edge] = {}   # every (value, reader) pair's edge
        self.reached: dict[int, set[Edge]] = {}        # id(value) → the edges its readers lie behind
        for value in values:
            if value.grad_fn is None:
                continue
            gate = placement.node(value, gate_id(value))
            if gate == gate_id(value):
                self._join((gate, node_id(value)), value, None)
            for parent in value.grad_fn.inputs:
                self._join((placement.node(parent, node_id(parent)), gate), parent, value)
        self.sent: dict[Edge, dict[int, list[Send]]] = {}   # edge → id(value) → its sends
        self.shares: dict[int, int] = {}   # id(value) → how many contributions it receives
        self.unknown: set[Edge] = set()   # edges a value crosses with a share nobody recorded

    def _join(self, edge: Edge, value: Value, reader: Value | None) -> None:
        self.edge_of[_pair(value, reader)] = edge
        if reader is not None:
            self.reached.setdefault(id(value), set()).add(edge)
        if edge[0] != edge[1]:
            self.edges[edge] = None

    def carry(self, sends: Iterable[Send]) -> Crossings:
        """The engine's own sends, in the order it made them (`sends_of(trace)`)."""
        for send in sends:
            if send.reader is not None:
                self.shares[id(send.value)] = self.shares.get(id(send.value), 0) + 1
            edge = self.edge_of.get(_pair(send.value, send.reader))
            if edge is not None and edge in self.edges:
                self.sent.setdefault(edge, {}).setdefault(id(send.value), []).append(send)
        return self

    def carry_whole(self, values: list[Value], grads: dict[int, Any]) -> Crossings:
        """Only the values' whole gradients `grads` are known (e.g. `.grad` after backward): a
        value's is what crosses the one edge all its readers lie behind; an edge that a value
        crosses with a share no one recorded (its readers split, or no gradient kept) gets no
        number."""
        for value in values:
            if id(value) in grads and value.grad_fn is not None:   # from its gate
                self.carry([Send(0, value, None, grads[id(value)])])
            edges = self.reached.get(id(value), set()) & self.edges.keys()
            if not value.requires_grad or not edges:
                continue
            if id(value) in grads and len(self.reached[id(value)]) == 1:
                self.sent.setdefault(next(iter(edges)), {})[id(value)] = [
                    Send(0, value, None, grads[id(value)])]
                self.shares[id(value)] = 1
            else:
                self.unknown |= edges
        return self

    def flow(self, edge: Edge, done: int | None = None) -> Flow | None:
        """What `edge` shows after the first `done` gates of the pass (None: all of them); None
        while nothing has crossed it, or where a share is unknown."""
        if edge in self.unknown:
            return None
        totals: list[tuple[Value, Any]] = []
        missing = 0
        for sends in self.sent.get(edge, {}).values():
            arrived = [s.grad for s in sends if done is None or s.step < done]
            missing += len(sends) - len(arrived)
            if arrived:
                totals.append((sends[0].value, _total(arrived)))
        return self._told(totals, self.sent[edge], missing) if totals else None

    def _told(self, totals: list[tuple[Value, Any]], sent: dict[int, list[Send]],
              missing: int) -> Flow:
        if len(totals) == 1:
            value, grad = totals[0]
            text, size = edge_text(grad), magnitude(grad)
            tip = self._share(value, sent[id(value)])
        else:
            size = float(np.sqrt(sum(magnitude(g) ** 2 for _, g in totals)))
            text = f"‖{size:.3g}‖ ({len(totals)} values)"
            tip = (f"{len(totals)} values, combined ‖·‖ = √(Σ‖g‖²): " +
                   ", ".join(f"{self._name(v)} {edge_text(g)}" for v, g in totals))
        if missing:
            text += " so far"
            tip += f"; so far: {missing} contribution{'s' if missing > 1 else ''} still to come"
        return Flow(text, size, tip)

    def _share(self, value: Value, sends: list[Send]) -> str:
        """What part of ∂L/∂value crosses an edge: all of it, or some of its contributions."""
        name, count, of = self._name(value), len(sends), self.shares.get(id(value), 0)
        grad = f"∂{self.root}/∂{name}"
        if sends[0].reader is None or count == of == 1:
            return f"{grad}, all of it"
        if count == of:
            return f"{grad}, all of it: the sum of its {of} contributions"
        return f"part of {grad}: {count} of its {of} contributions"

    def _name(self, value: Value) -> str:
        return self.labels.get(id(value)) or value.name or "value"

    def updates(self) -> dict[str, list[list[Any]]]:
        """Per drawn edge ("tail->head", as Graphviz titles it) what it shows after each step
        that changes it: [steps done, text, size, tip], in order."""
        shown: dict[str, list[list[Any]]] = {}
        for edge, by_value in self.sent.items():
            points = sorted({s.step + 1 for sends in by_value.values() for s in sends})
            flows = [(p, self.flow(edge, p)) for p in points]
            shown[f"{edge[0]}->{edge[1]}"] = [[p, f.text, f.size, f.tip] for p, f in flows if f]
        return shown


def _total(grads: list[Any]) -> Any:
    total = grads[0]
    for grad in grads[1:]:
        total = total + grad
    return total
