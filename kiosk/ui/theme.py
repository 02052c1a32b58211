"""Colours of the two themes and the WCAG contrast arithmetic that keeps them readable.

Widgets take colours only through `Theme.pair(role)`, so checking every role of every
theme (tests/ui/test_accessibility.py) checks every colour combination that is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MIN_CONTRAST = 4.5
"""WCAG 1.4.3 (AA) for normal text; the kiosk holds large text to it too."""


def _channel(c8: int) -> float:
    c = c8 / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def parse_hex(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"colour must be #RRGGBB, got {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(colour: str) -> float:
    r, g, b = (_channel(c) for c in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """Kivy's colour form (floats 0..1)."""
    r, g, b = parse_hex(colour)
    return r / 255, g / 255, b / 255, alpha


class Role(StrEnum):
    """Where a text sits; each role is one (text colour, background colour) pair."""

    BODY = "body"
    MUTED = "muted"
    PRIMARY_BUTTON = "primary_button"
    SECONDARY_BUTTON = "secondary_button"
    DISABLED_BUTTON = "disabled_button"
    PANEL = "panel"
    OFFLINE_BANNER = "offline_banner"
    ERROR = "error"
    WARNING = "warning"
    SUCCESS = "success"
    TOOLBAR = "toolbar"


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    pairs: dict[Role, tuple[str, str]]
    background: str
    accent: str
    """Progress bars: non-text, needs 3:1 against the background (WCAG 1.4.11)."""
    focus: str = "#D9480F"
    """The keypad focus ring, drawn just outside the focused control: 3:1 or more against
    every background it can sit on (page, panel, toolbar, secondary fill) (WCAG 1.4.11 /
    2.4.13); `FOCUS_BACKGROUNDS` lists them, tests/ui check the pairs and the pixels."""

    def pair(self, role: Role) -> tuple[str, str]:
        return self.pairs[role]


STANDARD = Theme(
    name="standard",
    background="#F4F6F9",
    accent="#0B5394",
    pairs={
        Role.BODY: ("#14213D", "#F4F6F9"),
        Role.MUTED: ("#4A5568", "#F4F6F9"),
        Role.PRIMARY_BUTTON: ("#FFFFFF", "#0B5394"),
        Role.SECONDARY_BUTTON: ("#14213D", "#DCE3EC"),
        Role.DISABLED_BUTTON: ("#4A5568", "#E9ECF1"),
        Role.PANEL: ("#14213D", "#FFFFFF"),
        Role.OFFLINE_BANNER: ("#FFFFFF", "#8A4B08"),
        Role.ERROR: ("#FFFFFF", "#A4161A"),
        Role.WARNING: ("#14213D", "#FFE8A3"),
        Role.SUCCESS: ("#FFFFFF", "#1E6B3A"),
        Role.TOOLBAR: ("#FFFFFF", "#14213D"),
    },
)

HIGH_CONTRAST = Theme(
    name="high_contrast",
    background="#000000",
    accent="#FFD400",
    focus="#00E5FF",
    pairs={
        Role.BODY: ("#FFFFFF", "#000000"),
        Role.MUTED: ("#E6E6E6", "#000000"),
        Role.PRIMARY_BUTTON: ("#000000", "#FFD400"),
        Role.SECONDARY_BUTTON: ("#FFFFFF", "#1F1F1F"),
        Role.DISABLED_BUTTON: ("#BFBFBF", "#1F1F1F"),
        Role.PANEL: ("#FFFFFF", "#000000"),
        Role.OFFLINE_BANNER: ("#000000", "#FF9E3D"),
        Role.ERROR: ("#000000", "#FF6B6B"),
        Role.WARNING: ("#000000", "#FFD400"),
        Role.SUCCESS: ("#000000", "#7CFC9A"),
        Role.TOOLBAR: ("#FFFFFF", "#000000"),
    },
)

FOCUS_BACKGROUNDS = (Role.BODY, Role.PANEL, Role.TOOLBAR, Role.SECONDARY_BUTTON)
"""Where a focus ring is drawn: around controls on the page, on panels and in the toolbar
(the secondary fill: a ring next to a neighbouring secondary button)."""

THEMES: dict[str, Theme] = {t.name: t for t in (STANDARD, HIGH_CONTRAST)}


def theme_for(high_contrast: bool) -> Theme:
    return HIGH_CONTRAST if high_contrast else STANDARD
