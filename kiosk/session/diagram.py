"""Draw the session table (`kiosk.session.transitions`) as a Mermaid state diagram into
docs/architecture.md, between the marker comments.

    python -m kiosk.session.diagram          # rewrite the block in docs/architecture.md
    python -m kiosk.session.diagram --check  # exit 1 if the block is not what the table says
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from kiosk.session.transitions import ANYWHERE, RULES, On
from kiosk.session.view import Screen

BEGIN = "<!-- session-diagram:begin (python -m kiosk.session.diagram) -->"
END = "<!-- session-diagram:end -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def mermaid() -> str:
    """The screen graph of `RULES`: one arrow per move, labelled with its events."""
    edges: dict[tuple[Screen, Screen], list[On]] = defaultdict(list)
    for screen, row in RULES.items():
        for on, targets in row.items():
            for target in sorted(targets - {screen}):
                edges[(screen, target)].append(on)
    lines = ["```mermaid", "stateDiagram-v2", f"    [*] --> {Screen.IDLE}"]
    for (a, b), ons in sorted(edges.items()):
        lines.append(f"    {a} --> {b} : {' / '.join(sorted(ons))}")
    stays = [(s, on) for s, row in RULES.items() for on, t in row.items() if not t - {s}]
    lines.append("```")
    anywhere = ["", "In every screen (`ANYWHERE`):", "", "| event | may lead to |", "|---|---|"]
    for on, targets in ANYWHERE.items():
        anywhere.append(f"| `{on}` | {', '.join(sorted(targets)) or 'stays'} |")
    stay = ["", "Acted on without leaving the screen: " + ", ".join(
        f"`{s}`·`{on}`" for s, on in sorted(stays)) + "."]
    return "\n".join(lines + anywhere + stay)


def render(doc: str) -> str:
    if BEGIN not in doc or END not in doc:
        raise ValueError(f"{DOC}: markers {BEGIN!r} … {END!r} missing")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{mermaid()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the doc is stale")
    args = parser.parse_args(argv)
    doc = DOC.read_text("utf-8")
    new = render(doc)
    if args.check:
        if new != doc:
            print(f"{DOC} is stale: run python -m kiosk.session.diagram", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
