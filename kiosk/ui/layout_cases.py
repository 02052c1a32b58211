"""What the layout checker draws: a screen with its content (:class:`Case`) in each display
variant (:data:`VARIANTS`: language × text size × contrast).

The cases themselves are built from the synthetic seeds outside the UI package, by
:func:`kiosk.commands.layout_cases.build_cases` (the UI never reads simulators' data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.session.view import Screen, SessionView


@dataclass(frozen=True, slots=True)
class Variant:
    language: str
    large_text: bool
    high_contrast: bool

    @property
    def label(self) -> str:
        return "-".join((self.language, "large" if self.large_text else "normal",
                         "contrast" if self.high_contrast else "standard"))


VARIANTS = tuple(Variant(lang, large, contrast) for lang in ("th", "en")
                 for large in (False, True) for contrast in (False, True))


@dataclass(frozen=True, slots=True)
class Case:
    screen: Screen
    content: str
    """``typical`` or ``extreme``."""
    fields: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.screen.value}-{self.content}"

    def view(self, seq: int, variant: Variant) -> SessionView:
        session = None if self.screen in (Screen.IDLE, Screen.OUT_OF_SERVICE) \
            else f"layout-{seq}"
        return SessionView(seq=seq, session_id=session, screen=self.screen,
                           language=variant.language,  # type: ignore[arg-type]
                           **self.fields)
