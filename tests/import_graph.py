"""The house's import graph, read from the source with :mod:`ast` (nothing is imported).

Every ``import`` and ``from ... import`` counts, wherever it stands: at the top, inside a
function (a lazy import is still an arrow), under ``if TYPE_CHECKING:``. An import names the
deepest module of the tree it reaches (``from drivers.card import thai_id`` is an arrow to
``drivers.card.thai_id``; ``from drivers.card import CardError`` one to ``drivers.card``).
Importing a module does not count as importing its parent packages' ``__init__``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

Graph = Mapping[str, frozenset[str]]
"""module -> the modules of the tree it imports."""


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    """A dotted name as written (for outside packages, e.g. ``kivy.clock``)."""

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module under the named top-level packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(root, path)] = path
    return found


def imported_names(module: str, path: Path) -> list[str]:
    """Every dotted name the module imports (``from a import b`` gives ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                keep = len(anchor) - node.level + (1 if is_package else 0)
                base = ".".join([*anchor[:keep], *([base] if base else [])])
            names += [base if alias.name == "*" else
                      f"{base}.{alias.name}" if base else alias.name for alias in node.names]
    return names


def resolve(name: str, known: Iterable[str]) -> str | None:
    """The deepest module of the tree that ``name`` reaches, or None (outside the tree)."""
    known = set(known)
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def arrows(root: Path, packages: Iterable[str]) -> list[Arrow]:
    """Every import as written, from every module under ``packages``."""
    found = modules(root, packages)
    return [Arrow(module, name) for module, path in found.items()
            for name in imported_names(module, path)]


def graph(root: Path, packages: Iterable[str]) -> dict[str, frozenset[str]]:
    """The arrows between modules of the tree (self-imports and outside packages left out)."""
    found = modules(root, packages)
    edges: dict[str, set[str]] = {module: set() for module in found}
    for arrow in arrows(root, packages):
        target = resolve(arrow.target, found)
        if target is not None and target != arrow.source:
            edges[arrow.source].add(target)
    return {module: frozenset(targets) for module, targets in edges.items()}


def circles(edges: Graph) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative: deep trees do not hit the recursion limit
        nonlocal counter
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    part = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        part.append(member)
                        if member == node:
                            break
                    if len(part) > 1:
                        found.append(sorted(part))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(found)


def within(module: str, places: Iterable[str]) -> bool:
    """``module`` is one of ``places`` or inside one of them (dotted prefixes)."""
    return any(module == place or module.startswith(place + ".") for place in places)


def forbidden(found: Iterable[Arrow], *, sources: Iterable[str], targets: Iterable[str],
              allowed: Iterable[str] = ()) -> list[Arrow]:
    """The arrows from a module under ``sources`` (and not under ``allowed``) to a name
    under ``targets``."""
    sources, targets, allowed = list(sources), list(targets), list(allowed)
    return [arrow for arrow in found
            if within(arrow.source, sources) and not within(arrow.source, allowed)
            and within(arrow.target, targets)]
