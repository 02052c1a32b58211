"""The house in one direction, checked over the import graph read from the source (ast).

- no import circle among the modules of ``kiosk/``, ``drivers/`` and ``simulators/``;
- no module under ``drivers/`` or ``kiosk/`` imports ``simulators`` or ``tests``, except the
  composition root (``kiosk/app.py``, ``kiosk/commands/``), which alone picks real or
  simulated parts;
- only ``kiosk/ui`` imports Kivy.

The rules are first shown to fail on a tiny fake tree, so a green run means something.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import import_graph as ig

REPO = Path(__file__).resolve().parents[1]
HOUSE = ("kiosk", "drivers", "simulators")
COMPOSITION_ROOT = ("kiosk.app", "kiosk.commands")


def violations(root: Path) -> dict[str, list[str]]:
    found = ig.arrows(root, HOUSE)
    return {
        "circles": [" <-> ".join(c) for c in ig.circles(ig.graph(root, HOUSE))],
        "upward": [str(a) for a in ig.forbidden(
            found, sources=("kiosk", "drivers"), targets=("simulators", "tests"),
            allowed=COMPOSITION_ROOT)],
        "kivy": [str(a) for a in ig.forbidden(
            found, sources=HOUSE, targets=("kivy",), allowed=("kiosk.ui",))],
    }


def test_the_house_has_no_circle() -> None:
    assert violations(REPO)["circles"] == []


def test_only_the_composition_root_imports_simulators_or_tests() -> None:
    assert violations(REPO)["upward"] == []


def test_only_the_ui_imports_kivy() -> None:
    assert violations(REPO)["kivy"] == []


def test_the_graph_sees_the_house() -> None:
    """Not vacuous: the real tree is read, with arrows the rules would catch if reversed."""
    edges = ig.graph(REPO, HOUSE)
    assert len(edges) > 200
    assert "drivers.card.errors" in edges["drivers.card.thai_id"]
    assert "simulators.vcard.card" in edges["simulators.vcard.reader"]
    assert "simulators.vcard.reader" in edges["kiosk.app"]  # allowed: the composition root


# ----------------------------------------------------------------------------- fake tree


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


CLEAN = {
    "kiosk/__init__.py": "",
    "kiosk/app.py": "from simulators.vcard import card\nfrom drivers.card import protocol\n",
    "kiosk/commands/__init__.py": "",
    "kiosk/commands/demo.py": "def run():\n    import simulators.vcard.card\n",
    "kiosk/ui/__init__.py": "",
    "kiosk/ui/app.py": "from kivy.app import App\nfrom . import widgets\n",
    "kiosk/ui/widgets.py": "import kivy.uix.label\n",
    "drivers/__init__.py": "",
    "drivers/card/__init__.py": "from .protocol import CardError\n",
    "drivers/card/protocol.py": "from drivers.card.errors import CardError\n",
    "drivers/card/errors.py": "class CardError(Exception): ...\n",
    "simulators/__init__.py": "",
    "simulators/vcard/__init__.py": "",
    "simulators/vcard/card.py": "from drivers.card.errors import CardError\n",
}


def test_a_clean_fake_tree_passes(tmp_path: Path) -> None:
    assert violations(write_tree(tmp_path, CLEAN)) == {"circles": [], "upward": [], "kivy": []}


@pytest.mark.parametrize(("rule", "changes", "expected"), [
    ("circles", {"drivers/card/errors.py": "from typing import TYPE_CHECKING\n"
                 "if TYPE_CHECKING:\n    from drivers.card.protocol import CardError\n"},
     ["drivers.card.errors <-> drivers.card.protocol"]),
    ("circles", {"drivers/card/errors.py": "def late():\n    from . import protocol\n"},
     ["drivers.card.errors <-> drivers.card.protocol"]),
    ("circles", {"simulators/vcard/a.py": "from simulators.vcard import b\n",
                 "simulators/vcard/b.py": "from simulators.vcard.c import x\n",
                 "simulators/vcard/c.py": "import simulators.vcard.a\n"},
     ["simulators.vcard.a <-> simulators.vcard.b <-> simulators.vcard.c"]),
    ("upward", {"drivers/card/simulated.py": "from simulators.vcard.card import Emulator\n"},
     ["drivers.card.simulated -> simulators.vcard.card.Emulator"]),
    ("upward", {"kiosk/ui/layout_cases.py": "def build():\n    from simulators import seeds\n"},
     ["kiosk.ui.layout_cases -> simulators.seeds"]),
    ("upward", {"kiosk/printing.py": "import tests.card.conftest\n"},
     ["kiosk.printing -> tests.card.conftest"]),
    ("kivy", {"kiosk/commands/demo.py": "from kivy.clock import Clock\n"},
     ["kiosk.commands.demo -> kivy.clock.Clock"]),
    ("kivy", {"simulators/vcard/card.py": "import kivy\n"}, ["simulators.vcard.card -> kivy"]),
])
def test_each_rule_fails_on_a_deliberate_violation(
        tmp_path: Path, rule: str, changes: dict[str, str], expected: list[str]) -> None:
    found = violations(write_tree(tmp_path, {**CLEAN, **changes}))
    assert found[rule] == expected
    assert all(not v for name, v in found.items() if name != rule), found


def test_relative_imports_resolve_from_a_package_and_from_a_module(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"p/__init__.py": "from .q import x\nfrom . import r\n",
                                 "p/q.py": "from .r import y\nfrom ..p import s\n",
                                 "p/r.py": "", "p/s/__init__.py": "from .. import q\n"})
    edges = ig.graph(root, ("p",))
    assert edges["p"] == {"p.q", "p.r"}
    assert edges["p.q"] == {"p.r", "p.s"}
    assert edges["p.s"] == {"p.q"}
