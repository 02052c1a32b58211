"""The display's floor for `bench/ui.py`: a bare Kivy window of the kiosk's size and
graphics settings, something moving every frame, run as a child right after each kiosk
child under the same load."""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from kit.memory import peak_rss_mb


def child_bare(spawned: float, idle_s: float) -> dict[str, Any]:
    """A bare Kivy window redrawn and flipped every frame for ``idle_s`` (the kiosk run's
    recorded time): the display's own floor on this machine, at this moment."""
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_CONFIG="1", KIVY_NO_FILELOG="1",
                      KIVY_LOG_MODE="PYTHON")
    from kivy.config import Config

    # The kiosk's window and its graphics settings (kiosk.ui.bootstrap): without them Kivy
    # asks for 2x multisampling, which under llvmpipe costs the bare window ~20 ms a flip
    # the kiosk never pays, and the floor would be too high.
    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "800")
    Config.set("graphics", "multisamples", "0")
    Config.set("graphics", "maxfps", "60")
    from kivy.animation import Animation
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.graphics import Color, Rectangle
    from kivy.uix.label import Label

    result: dict[str, Any] = {}
    frames: list[float] = []

    class Bare(App):
        def build(self) -> Label:
            label = Label(text="Hello")
            with label.canvas:
                Color(0.2, 0.4, 0.8, 1)
                self.box = Rectangle(pos=(0, 0), size=(200, 120))
            return label

    app = Bare()

    def first_frame(_dt: float) -> None:
        result["cold_start_s"] = time.time() - spawned
        # Something moves every frame, as the kiosk's idle animation does: every frame is
        # drawn and flipped, so the intervals show the display's own floor (software GL).
        animation = Animation(pos=(1000, 600), duration=idle_s / 2) + \
            Animation(pos=(0, 0), duration=idle_s / 2)
        animation.start(app.box)
        Clock.schedule_interval(lambda dt: frames.append(dt), 0)
        Clock.schedule_once(lambda _dt: app.stop(), idle_s)

    Clock.schedule_once(lambda _dt: Clock.schedule_once(first_frame, 0), 0)
    app.run()
    result["max_stall_ms"] = max(frames) * 1000
    result["median_frame_ms"] = statistics.median(frames) * 1000
    result["frames"] = len(frames)
    result["peak_rss_mb"] = peak_rss_mb()
    return result
