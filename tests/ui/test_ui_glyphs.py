"""Every string the UI can show has a real glyph in the font that draws it (no .notdef box).

The oracle is the font file's own character map (fontTools), not Kivy: text comes from both
catalogues, the session's messages, the service catalogue and the result labels; symbols
from `kiosk.ui.icons` (drawn in DejaVu Sans). Thai tone marks and vowels are in Sarabun's
map like any other character, so a missing one fails here too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from kiosk.session.catalogue import load_catalogue
from kiosk.session.messages import MESSAGES
from kiosk.ui.i18n import LOCALE_DIR, parse_po
from kiosk.ui.icons import ICON_FONT, all_symbols
from kiosk.ui.style import FONT_BOLD, FONT_REGULAR

REPO = Path(__file__).resolve().parents[2]


@cache
def charmap(font: Path) -> frozenset[int]:
    return frozenset(TTFont(str(font)).getBestCmap())


def missing(text: str, font: Path) -> set[str]:
    return {ch for ch in text if not ch.isspace() and ord(ch) not in charmap(font)}


def ui_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for lang in ("th", "en"):
        path = LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.po"
        for key, value in parse_po(path.read_text("utf-8")).items():
            texts[f"{lang}:{key}"] = value
    for key, text in MESSAGES.items():
        texts[f"session:{key}"] = text.th + text.en
    catalogue = load_catalogue(REPO / "config" / "services.toml")
    texts["services:consent"] = catalogue.consent.th + catalogue.consent.en
    for service in catalogue.services:
        texts[f"services:{service.id}"] = (service.name.th + service.name.en
                                           + service.help.th + service.help.en)
    runners = (REPO / "kiosk" / "services" / "runners.py").read_text("utf-8")
    texts["runners"] = runners  # every literal the result rows can carry
    return texts


@pytest.mark.parametrize("font", [FONT_REGULAR, FONT_BOLD], ids=["regular", "bold"])
def test_every_text_has_its_glyphs(font: Path) -> None:
    gaps = {where: sorted(chars) for where, text in ui_texts().items()
            if (chars := missing(text, font))}
    assert not gaps, f"characters {font.name} cannot draw: {gaps}"


def test_every_symbol_has_its_glyph() -> None:
    assert not missing(all_symbols(), ICON_FONT)


def test_the_check_sees_a_missing_glyph() -> None:
    assert missing("●⌫", FONT_REGULAR) == {"●", "⌫"}  # why the PIN pad draws in ICON_FONT
    assert not missing("เลขประจำตัวประชาชน ๑๒๓", FONT_REGULAR)


def test_every_literal_of_the_ui_code_is_drawable() -> None:
    """Characters typed into kiosk/ui (button labels, bullets) are in Sarabun, or are the
    keypad symbols the PIN pad draws in ICON_FONT."""
    from kiosk.ui.icons import KEYPAD_SYMBOLS

    gaps = {}
    for path in sorted((REPO / "kiosk" / "ui").rglob("*.py")):
        if path.name == "icons.py":
            continue
        chars = missing(path.read_text("utf-8"), FONT_REGULAR) - set(KEYPAD_SYMBOLS)
        if chars:
            gaps[str(path.relative_to(REPO))] = sorted(chars)
    assert not gaps, gaps
