"""What the demo control panel can do to the simulators (no Kivy: the demo implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

DEMO_PANEL_WIDTH = 360
"""Pixels the demo panel adds to the right of the kiosk screen."""


class DemoControls(Protocol):
    """Every method may block (simulators, sockets): the panel calls them off the UI thread."""

    def citizens(self) -> Sequence[tuple[str, str]]:
        """(key, label) of each seed citizen; the label must not show a full ID (PDPA)."""
        ...

    def insert_card(self, key: str) -> None: ...

    def remove_card(self) -> None: ...

    def set_network(self, up: bool) -> None: ...

    def set_paper(self, present: bool) -> None: ...

    def approve_on_phone(self, mode: str) -> None:
        """The citizen's ThaID app answers the QR on screen: ``holder`` (this citizen),
        ``other`` (someone else) or ``none`` (does nothing; the kiosk's wait times out)."""
        ...

    def last_receipt(self) -> Path | None:
        """The newest receipt PNG written by the virtual printer, if any."""
        ...
