"""The one Kivy app of a test process, run without Kivy's blocking loop.

Import this only after `configure_kivy` (the conftests do): Kivy reads its configuration
when it is first imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kivy.base import EventLoop
from uikit_feeder import ViewFeeder
from uikit_settings import UI

from kiosk.ui.app import KioskApp


@contextmanager
def running_app(kivy_home: Path) -> Iterator[KioskApp]:
    """The kiosk app built, its window open and started; stopped and closed afterwards."""
    app = KioskApp(UI, ViewFeeder(), sounds_dir=kivy_home / "sounds")
    app._run_prepare()  # build + window + on_start, without entering Kivy's blocking loop
    EventLoop.start()
    for _ in range(3):
        EventLoop.idle()
    try:
        yield app
    finally:
        app.bridge.stop()
        app.stop()
        EventLoop.close()
