"""The module tree of a graph, and the views the explorer offers of it.

A graph's nodes carry the module path that made them (`blocks.0.attn.qkv`). Its *units* are the
modules a student can open and close: every such path and its prefixes, except a list of blocks
itself (`blocks`), whose blocks (`blocks.0`, `blocks.1`) are units of their own. A *view* opens
some units and shows each unit on its edge as one collapsed node: the overview opens none, so the
model's top-level modules are visible; opening a unit opens its ancestors too.
"""

from __future__ import annotations

from dataclasses import dataclass


def _parent_path(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else ""


@dataclass
class ModuleTree:
    units: list[str]            # in order: a parent before its children
    parent: dict[str, str]      # unit → the unit that holds it ("" for the top level)
    lists: dict[str, int]       # a list of blocks (`blocks`) → how many blocks it holds

    @classmethod
    def of(cls, scopes: set[str]) -> ModuleTree:
        """The tree of the module paths `scopes` (those of a graph's nodes)."""
        prefixes = {".".join(s.split(".")[:k]) for s in scopes if s
                    for k in range(1, s.count(".") + 2)}

        def is_list(path: str) -> bool:   # `blocks`: nothing of its own, only numbered blocks
            children = [p for p in prefixes if _parent_path(p) == path]
            return path not in scopes and bool(children) and \
                all(c.rsplit(".", 1)[1].isdigit() for c in children)

        units = sorted((p for p in prefixes if not is_list(p)), key=lambda p: (p.count("."), p))
        lists = {p: sum(_parent_path(q) == p for q in prefixes) for p in prefixes if is_list(p)}
        parent = {}
        for unit in units:
            holder = _parent_path(unit)
            while holder and holder not in parent:   # skip a list of blocks
                holder = _parent_path(holder)
            parent[unit] = holder
        return cls(units, parent, lists)

    def depth(self, unit: str) -> int:
        return 1 if not self.parent[unit] else 1 + self.depth(self.parent[unit])

    def opened_with(self, unit: str) -> set[str]:
        """`unit` and every unit holding it: what opening `unit` opens."""
        opened = set()
        while unit:
            opened.add(unit)
            unit = self.parent[unit]
        return opened

    def collapsed(self, opened: set[str]) -> list[str]:
        """The units shown as one node when `opened` are open: those on the edge of the open
        region."""
        return [u for u in self.units if u not in opened and (not self.parent[u] or
                                                              self.parent[u] in opened)]

    def views(self, depth: int) -> dict[str, set[str]]:
        """The views the explorer renders, by name → the units they open: "" (the overview), one
        per unit (that unit opened), "*" (everything open), and "start" (units above `depth`
        open; depth 0 opens everything), and "grouped" (the overview with each list of blocks
        as one node)."""
        views: dict[str, set[str]] = {"": set()}
        for unit in self.units:
            views[unit] = self.opened_with(unit)
        views["*"] = set(self.units)
        views["start"] = {u for u in self.units if depth == 0 or self.depth(u) < depth}
        return views

    def grouped(self) -> list[str]:
        """The overview's collapsed units, with the blocks of each list as one node."""
        top = [u for u in self.collapsed(set()) if _parent_path(u) not in self.lists]
        return top + sorted(self.lists)
