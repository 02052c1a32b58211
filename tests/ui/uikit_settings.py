"""The UiSettings every UI test runs with (a 1280×800 window at 96 dpi, 500 mm away)."""

from kiosk.config.settings import UiSettings

UI = UiSettings(fullscreen=False, show_cursor=True, exit_on_escape=False, sounds=True,
                window_width=1280, window_height=800, screen_dpi=96.0,
                viewing_distance_mm=500.0)
