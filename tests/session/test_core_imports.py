"""The session core is pure: neither it nor any kiosk module it pulls in imports threads,
pools, clocks, queues or a port module (read from the source with `ast`, not by running)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "kiosk" / "session" / "core"
BANNED = ("threading", "concurrent", "time", "queue", "asyncio", "multiprocessing",
          "kiosk.session.ports", "kiosk.session.shell", "kiosk.session.shell_jobs",
          "kiosk.observers")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def closure() -> dict[str, set[str]]:
    """Every kiosk module reachable from the core package, with what each imports."""
    todo = [f"kiosk.session.core.{p.stem}" for p in CORE.glob("*.py")]
    seen: dict[str, set[str]] = {}
    while todo:
        name = todo.pop()
        path = module_file(name)
        if name in seen or path is None:
            continue
        seen[name] = imports_of(path)
        todo += [n for n in seen[name] if n.startswith("kiosk.")]
    return seen


def banned(name: str) -> bool:
    return any(name == b or name.startswith(b + ".") for b in BANNED)


def test_the_core_imports_nothing_with_threads_clocks_or_ports() -> None:
    found = closure()
    assert "kiosk.session.core.step" in found and "kiosk.session.view_builder" in found
    bad = {(mod, name) for mod, names in found.items() for name in names if banned(name)}
    assert not bad, f"impure imports reachable from the core: {sorted(bad)}"


def test_the_check_sees_an_impure_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import threading\nfrom concurrent.futures import Future\n"
                     "from kiosk.session.ports import ClockPort\n", "utf-8")
    assert {n for n in imports_of(probe) if banned(n)} == {
        "threading", "concurrent.futures", "concurrent.futures.Future",
        "kiosk.session.ports", "kiosk.session.ports.ClockPort"}
