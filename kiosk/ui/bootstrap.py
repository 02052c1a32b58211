"""Configure Kivy for a kiosk BEFORE it is imported: Kivy reads its environment once.

Call `configure_kivy` first thing in any entry point that shows the UI (the app, the
demo, the tests, the benchmark); only then import `kiosk.ui.app`. Everything comes from
`UiSettings`: the user's ``~/.kivy/config.ini``, ``KCFG_*`` variables and command-line
arguments are ignored, so the TOML is the only thing that decides how the kiosk behaves.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from kiosk.config.settings import UiSettings

log = logging.getLogger(__name__)


class KivyAlreadyImported(RuntimeError):
    """Kivy was imported before `configure_kivy`; its settings would be silently ignored."""


def kivy_environment(kivy_home: Path) -> dict[str, str]:
    return {
        "KIVY_NO_ARGS": "1",  # our argparse owns the command line
        "KIVY_NO_ENV_CONFIG": "1",  # no KCFG_* overrides from the environment
        "KIVY_NO_CONFIG": "1",  # no ~/.kivy/config.ini: the TOML decides
        "KIVY_NO_FILELOG": "1",  # logs go to stderr / the journal, not files
        "KIVY_LOG_MODE": "PYTHON",  # Kivy logs through `logging` like the rest of the kiosk
        "KIVY_HOME": str(kivy_home),
        "KIVY_WINDOW": "sdl2",
        "KIVY_TEXT": "sdl2",  # HarfBuzz shaping (font_script_name) exists only here
        "KIVY_AUDIO": "sdl2",
    }


def configure_kivy(ui: UiSettings, *, kivy_home: Path) -> None:
    """Set Kivy's environment and config from ``ui``. Idempotent before the first window."""
    if "kivy.core.window" in sys.modules:
        raise KivyAlreadyImported("configure_kivy() must run before the Kivy window exists")
    kivy_home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.update(kivy_environment(kivy_home))
    if not ui.allow_screensaver:
        # SDL's own hint, read when the video subsystem starts.
        os.environ["SDL_VIDEO_ALLOW_SCREENSAVER"] = "0"

    from kivy.config import Config

    graphics = {
        "fullscreen": "auto" if ui.fullscreen else "0",
        "width": str(ui.window_width),
        "height": str(ui.window_height),
        "show_cursor": "1" if ui.show_cursor else "0",
        "allow_screensaver": "1" if ui.allow_screensaver else "0",
        "resizable": "0" if ui.fullscreen else "1",
        "borderless": "1" if ui.fullscreen else "0",
        "multisamples": "0",
        "maxfps": "60",
    }
    for key, value in graphics.items():
        Config.set("graphics", key, value)
    # Escape is the keypad's Cancel: no key ever ends the kiosk (the technician stops it).
    if ui.exit_on_escape:
        log.warning("ui: exit_on_escape is ignored: Escape is the keypad's Cancel key")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "keyboard_mode", "system")
    # A right click must not leave red multitouch dots on a touch kiosk.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    log.debug("ui: kivy configured (fullscreen=%s, cursor=%s)", ui.fullscreen, ui.show_cursor)
