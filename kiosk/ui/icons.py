"""The symbols the UI draws, and the font they come from.

Sarabun (the text font) has no arrows, check marks or keypad symbols; DejaVu Sans, shipped
inside Kivy's own wheel, has all of these. tests/ui/test_ui_glyphs.py checks that every
symbol here and every catalogue string has a real glyph (no .notdef box) in its font.
"""

from __future__ import annotations

from pathlib import Path

import kivy

ICON_FONT = Path(kivy.__file__).resolve().parent / "data" / "fonts" / "DejaVuSans.ttf"

BUTTON_ICONS: dict[str, str] = {
    "identity.continue": "➜",
    "consent.agree": "✓",
    "consent.decline": "✕",
    "result.print": "▤",
    "error.print_again": "↻",
    "timeout.extend": "↻",
    "common.finish": "⏏",
    "common.back_to_menu": "☰",
}
"""Icon beside the text of a button, by its message key (every primary action has one)."""

SERVICE_ICONS: dict[str, str] = {
    "registry_record": "⌂",
    "card_status": "☑",
    "welfare_rights": "♥",
    "submit_request": "✎",
    "counter_ticket": "№",
}
DEFAULT_SERVICE_ICON = "▶"
"""For a service added to the catalogue without an icon of its own."""

KEYPAD_SYMBOLS = "●⌫—"
"""The technician PIN pad (drawn in ICON_FONT)."""


def all_symbols() -> str:
    return "".join((*BUTTON_ICONS.values(), *SERVICE_ICONS.values(), DEFAULT_SERVICE_ICON,
                    KEYPAD_SYMBOLS))
