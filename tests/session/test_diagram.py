"""docs/architecture.md shows the session table as it is in the code."""

from __future__ import annotations

from kiosk.session import diagram
from kiosk.session.transitions import RULES


def test_the_architecture_diagram_is_current() -> None:
    doc = diagram.DOC.read_text("utf-8")
    assert diagram.render(doc) == doc, "stale: run python -m kiosk.session.diagram"
    assert diagram.main(["--check"]) == 0


def test_the_diagram_has_every_move_of_the_table() -> None:
    text = diagram.mermaid()
    for screen, row in RULES.items():
        for targets in row.values():
            for target in targets - {screen}:
                assert f"    {screen} --> {target} : " in text


def test_a_stale_block_is_seen() -> None:
    doc = diagram.DOC.read_text("utf-8")
    stale = doc.replace("idle --> reading", "idle --> nowhere", 1)
    assert stale != doc and diagram.render(stale) != stale
