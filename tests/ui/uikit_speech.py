"""A SpeechPort test double that records every call (what the UI told the spoken layer, and
when), optionally passing each call on to a real one (`inner`: the keys-only test's
`AudioSpeech`, whose sound is checked in the WAV ALSA wrote)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from kiosk.session.speech import SpeechPort
from kiosk.session.view import Screen, SessionView


@dataclass
class RecordingSpeech:
    calls: list[tuple[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    inner: SpeechPort | None = None

    def _add(self, name: str, value: Any = None, *args: Any, **kwargs: Any) -> None:
        with self.lock:
            self.calls.append((name, value))
        if self.inner is not None:
            getattr(self.inner, name)(*args, **kwargs)

    def view_shown(self, view: SessionView) -> None:
        self._add("view_shown", view, view)

    def focus_moved(self, item_key: str, label: str, position: int, total: int) -> None:
        self._add("focus_moved", (item_key, label, position, total),
                  item_key, label, position, total)

    def digit_entered(self, *, secret: bool) -> None:
        self._add("digit_entered", secret, secret=secret)

    def citizen_acted(self) -> None:
        self._add("citizen_acted")

    def repeat(self) -> None:
        self._add("repeat")

    def volume_step(self, delta: int) -> None:
        self._add("volume_step", delta, delta)

    def start_audio_mode(self) -> None:
        self._add("start_audio_mode")

    # -- reading it back ---------------------------------------------------------------

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def of(self, name: str) -> list[Any]:
        return [value for n, value in self.calls if n == name]

    def screens_shown(self) -> list[Screen]:
        """Each screen once per arrival (a countdown tick redraws the same screen)."""
        out: list[Screen] = []
        for view in self.of("view_shown"):
            if not out or out[-1] is not view.screen:
                out.append(view.screen)
        return out

    def focus_on(self, screen: Screen) -> list[tuple[str, str, int, int]]:
        """The focus moves announced while ``screen`` was the last one shown."""
        shown: Screen | None = None
        found = []
        for name, value in self.calls:
            if name == "view_shown":
                shown = value.screen
            elif name == "focus_moved" and shown is screen:
                found.append(value)
        return found

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()
