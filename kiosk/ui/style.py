"""The one shared style: font, script, type scale, theme, language, large text.

Every label and button of the kiosk takes its look from the single `KioskStyle` instance,
so a toggle (language, large text, high contrast) restyles every screen at once, and
``font_script_name="Thai"`` cannot be forgotten on one label.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path

import fontpkg_sarabun
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from kiosk.config.settings import UiSettings
from kiosk.ui.i18n import Translator
from kiosk.ui.metrics import ScreenMetrics, cap_height_ratio
from kiosk.ui.theme import Role, Theme, rgba, theme_for

FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
FONT_REGULAR = FONT_DIR / "Sarabun-Regular.ttf"
FONT_BOLD = FONT_DIR / "Sarabun-SemiBold.ttf"
SCRIPT = "Thai"
"""HarfBuzz script for every label: without it Thai tone marks float (see reference)."""

# Type scale relative to the minimum legible body size (1.0).
BODY = 1.0
LARGE = 1.25
TITLE = 1.6
HERO = 2.2


class KioskStyle(EventDispatcher):
    language = StringProperty("th")
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    theme: Theme = ObjectProperty(theme_for(False))
    revision = NumericProperty(0)
    """Bumped on every change; widgets bind to this one property to restyle."""

    def __init__(self, ui: UiSettings, default_language: str = "th", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.settings = ui
        self.default_language = default_language
        self.metrics = ScreenMetrics(
            dpi=ui.screen_dpi,
            viewing_distance_mm=ui.viewing_distance_mm,
            cap_ratio=cap_height_ratio(FONT_REGULAR),
            min_touch_target_mm=ui.min_touch_target_mm,
        )
        self.tr = Translator(default_language)
        self.language = default_language
        self.large_text = ui.large_text
        self.high_contrast = ui.high_contrast
        self.theme = theme_for(ui.high_contrast)
        self.bind(language=self._changed, large_text=self._changed, high_contrast=self._changed)
        self._followers: list[weakref.WeakMethod[Callable[..., object]]] = []
        self.fbind("revision", self._restyle_followers)

    def follow(self, method: Callable[..., object]) -> None:
        """Call the bound `method` on every restyle for as long as its widget lives.

        Held weakly, and the dead are dropped at each new follower: the screens build
        widgets for every citizen, and a plain ``bind(revision=...)`` on this one style,
        which outlives them all, kept an entry for each of them forever (the soak run's
        growth; kivy only prunes dead weak methods when the property changes).
        """
        self._followers = [ref for ref in self._followers if ref() is not None]
        self._followers.append(weakref.WeakMethod(method))  # type: ignore[arg-type]

    def followers(self) -> int:
        """How many restyle followers are held (live or not yet dropped): for tests."""
        return len(self._followers)

    def _restyle_followers(self, *_: object) -> None:
        for ref in list(self._followers):
            method = ref()
            if method is not None:
                method()

    def reset_for_new_session(self) -> None:
        """Each citizen starts from the configured defaults (not the previous one's choice)."""
        self.language = self.default_language
        self.large_text = self.settings.large_text
        self.high_contrast = self.settings.high_contrast

    def _changed(self, *_: object) -> None:
        self.tr.language = self.language
        self.theme = theme_for(self.high_contrast)
        self.revision += 1

    @property
    def scale(self) -> float:
        return self.settings.large_text_scale if self.large_text else 1.0

    def font_px(self, step: float) -> int:
        return self.metrics.font_px(step, self.scale)

    @property
    def target_px(self) -> int:
        return self.metrics.touch_target_px

    @property
    def gap_px(self) -> int:
        return round(self.metrics.px(3.0))

    def fg(self, role: Role) -> tuple[float, float, float, float]:
        return rgba(self.theme.pair(role)[0])

    def bg(self, role: Role) -> tuple[float, float, float, float]:
        return rgba(self.theme.pair(role)[1])


_STYLE: KioskStyle | None = None


def init_style(ui: UiSettings, default_language: str = "th") -> KioskStyle:
    global _STYLE
    _STYLE = KioskStyle(ui, default_language)
    return _STYLE


def style() -> KioskStyle:
    if _STYLE is None:
        raise RuntimeError("kiosk.ui.style.init_style() has not been called")
    return _STYLE
