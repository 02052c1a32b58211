"""The demo's screenshots: a PNG of each new screen as the tour draws it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock


class ScreenRecorder:
    """A PNG of each new screen (and each language / connectivity change of it)."""

    def __init__(self, app: Any, out_dir: Path) -> None:
        self.app = app
        self.out_dir = out_dir
        self.count = 0
        self._last: tuple[Any, ...] | None = None

    def on_view(self, view: Any) -> None:
        key = (view.screen, view.language, view.offline, view.print_status,
               view.identity is not None and view.identity.photo is not None)
        if key == self._last:
            return
        self._last = key
        seq = view.seq
        # Two frames later the labels have re-wrapped and the frame is on screen.
        Clock.schedule_once(lambda _dt: self._shoot(seq, view), 0.25)

    def _shoot(self, seq: int, view: Any) -> None:
        current = self.app.view
        if current is None or current.screen is not view.screen:
            return  # already moved on; the next screen gets its own picture
        self.count += 1
        name = f"{self.count:02d}-{view.screen.value}-{view.language}.png"
        self.app.screenshot(self.out_dir / name)
