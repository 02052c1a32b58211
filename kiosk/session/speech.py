"""The port between what the citizen meets on screen and the spoken guidance (audio mode).

The UI calls it: a new view is on screen, the keypad focus moved, the citizen acted, asked
for help, changed the volume. `kiosk/audio` implements it (prompt clips through ALSA); the
composition root wires the real one. `NullSpeech` is the default, so the UI and the tests
run with no audio at all. Calls arrive on the UI thread and must return at once: an
implementation queues the work to its own thread (the UI thread never blocks).

Privacy (EN 301 549 5.1.3.9, PDPA): an implementation speaks personal data only through
headphones, never the loudspeaker, and never speaks what `secret=True` marks (PIN digits,
5.1.3.8).
"""

from __future__ import annotations

from typing import Protocol

from kiosk.session.view import SessionView


class SpeechPort(Protocol):
    """What the UI tells the spoken-guidance layer. Every method returns at once."""

    def view_shown(self, view: SessionView) -> None:
        """A new view is on screen: speak its title, purpose, results or error, and next step."""

    def focus_moved(self, item_key: str, label: str, position: int, total: int) -> None:
        """The focus ring is on item `position` of `total` (1-based).

        `item_key` is the item's message key (or action name); `label` its visible text."""

    def digit_entered(self, *, secret: bool) -> None:
        """A digit was typed into a field; `secret` fields (the PIN) are never spoken."""

    def citizen_acted(self) -> None:
        """Any key press or touch: stop the current speech (5.1.3.4)."""

    def repeat(self) -> None:
        """Help / repeat: say the screen's guidance again (5.1.3.5)."""

    def volume_step(self, delta: int) -> None:
        """Volume up (+1) or down (-1) from the keypad, in steps (5.1.3.13)."""

    def start_audio_mode(self) -> None:
        """The citizen asked for speech without headphones (hold 5, or Help)."""


class NullSpeech:
    """No spoken guidance: every call does nothing (the default until audio is wired)."""

    def view_shown(self, view: SessionView) -> None:
        return None

    def focus_moved(self, item_key: str, label: str, position: int, total: int) -> None:
        return None

    def digit_entered(self, *, secret: bool) -> None:
        return None

    def citizen_acted(self) -> None:
        return None

    def repeat(self) -> None:
        return None

    def volume_step(self, delta: int) -> None:
        return None

    def start_audio_mode(self) -> None:
        return None
