"""Labels and buttons of the kiosk, all styled by `kiosk.ui.style` and wrapped by words."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle, RoundedRectangle
from kivy.properties import (
    BooleanProperty,
    DictProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.domain.thai_words import has_thai
from kiosk.receipts.thai_text import break_points, clusters, name_word_set, wrap_name, wrap_thai
from kiosk.ui.style import BODY, FONT_BOLD, FONT_REGULAR, SCRIPT, style
from kiosk.ui.text_texture import texture_pos  # and the labels' canvas rule
from kiosk.ui.theme import Role, rgba


@lru_cache(maxsize=64)
def _measurer(font_name: str, font_size: int) -> Callable[[str], float]:
    core = CoreLabel(font_name=font_name, font_size=font_size, font_script_name=SCRIPT)
    cached = lru_cache(maxsize=2048)(lambda text: core.get_extents(text)[0])
    return cached


_SEGMENTER_READY = threading.Event()
segmenter_ready = _SEGMENTER_READY
"""Set once the Thai word dictionary is loaded (wait on it from any thread)."""
_provisional: weakref.WeakSet[KLabel] = weakref.WeakSet()
"""Labels wrapped before the word dictionary was loaded; re-wrapped once it is."""


def wrap_to_width(text: str, width: float, measure: Callable[[str], float]) -> tuple[str, bool]:
    """Break lines at Thai word boundaries (Kivy itself breaks only at spaces).

    Returns the text and whether the breaks are final. Until the dictionary is loaded (it
    takes about a second, off the UI thread) lines break at spaces, else between letter
    clusters — never inside one — and the label is re-wrapped when the dictionary is ready.
    """
    if all(measure(line) <= width for line in text.split("\n")):
        return text, True  # the common short label: no segmentation needed
    if not _SEGMENTER_READY.is_set():
        return "\n".join(_wrap_clusters(text, width, measure)), False
    return "\n".join(wrap_thai(text, lambda line: measure(line) <= width)), True


def wrap_name_to_width(text: str, width: float, measure: Callable[[str], float]
                       ) -> tuple[str, bool]:
    """A name or an ID by the slips' name rule (`wrap_name`); returns the text and whether
    the breaks are final. A name that fits needs no word list; until the list is loaded
    (off the UI thread, `load_segmenter`) lines break only at spaces, never inside a part,
    and the label is re-wrapped when it is ready: the UI thread never loads it."""
    if all(measure(line) <= width for line in text.split("\n")):
        return text, True
    if not _SEGMENTER_READY.is_set():
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for part in paragraph.split(" "):
                joined = f"{line} {part}" if line else part
                if line and measure(joined) > width:
                    lines.append(line)
                    line = part
                else:
                    line = joined
            lines.append(line)
        return "\n".join(lines), False
    return "\n".join(wrap_name(text, lambda line: measure(line) <= width)), True


SMALLEST_NAME_SCALE = 0.6
"""How far a name's type may shrink so that a romanised part wider than a line stays whole."""


def name_font_px(text: str, width: float, px: int, font_name: str) -> int:
    """The size a name is drawn at: ``px``, or smaller when a part with no word list to
    break it by (a romanised surname such as "Suwannasuwankul") is wider than a line, so
    it is never cut inside; Thai parts break between their name words instead. Below
    `SMALLEST_NAME_SCALE` the part is cut by letters after all (a name no width can hold)."""
    latin = [part for part in text.split() if not has_thai(part)]
    if not latin:
        return px
    floor = max(1, int(px * SMALLEST_NAME_SCALE))
    size = px
    while size > floor:
        measure = _measurer(font_name, size)
        widest = max(measure(part) for part in latin)
        if widest <= width:
            break
        size = max(floor, min(size - 1, int(size * width / widest)))
    return size


def _wrap_clusters(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for cluster in clusters(paragraph):
            if line and measure(line + cluster) > width:
                cut = line.rfind(" ")
                if cut > 0:  # prefer the last space on the line
                    lines.append(line[:cut])
                    line = line[cut + 1:] + cluster
                else:
                    lines.append(line)
                    line = cluster.lstrip()
            else:
                line += cluster
        lines.append(line)
    return lines


def load_segmenter(on_ready: Callable[[], None] | None = None) -> threading.Thread:
    """Load the word dictionary off the UI thread, then call ``on_ready`` (on that thread)."""

    def load() -> None:
        break_points("ภาษาไทยสวัสดี")
        name_word_set()  # a long name's words (`wrap_name`), ready before one is shown
        _SEGMENTER_READY.set()
        if on_ready is not None:
            on_ready()

    thread = threading.Thread(target=load, name="thai-segmenter-load", daemon=True)
    thread.start()
    return thread


def rewrap_provisional(root: Widget | None = None) -> None:
    """Main thread: wrap by words the labels (under ``root``) that were wrapped before."""
    if not _SEGMENTER_READY.is_set():
        return
    for label in list(_provisional):
        if root is None or _is_under(label, root):
            label._apply()


def _is_under(widget: Widget, root: Widget) -> bool:
    for _depth in range(256):  # the Window is its own parent: never loop on it
        if widget is root:
            return True
        if widget is None or widget.parent is widget:
            return False
        widget = widget.parent
    return False


class KLabel(Label):
    """A label showing a catalogue message (``key``) or ready text (``raw``), word-wrapped.

    ``role`` picks the theme colours, ``step`` the type-scale step. The label grows in
    height to fit its wrapped lines (``fit_height``), so layouts never clip Thai text.
    """

    key = StringProperty("")
    fields = DictProperty({})
    raw = StringProperty("")
    role = ObjectProperty(Role.BODY)
    step = NumericProperty(BODY)
    bold = BooleanProperty(False)
    fit_height = BooleanProperty(True)
    draw_background = BooleanProperty(False)
    whole_words = BooleanProperty(False)
    """A name or an ID (`wrap_name`): lines break between its parts, a part wider than a
    line only between its own words, never where Kivy would cut it."""
    font_file = StringProperty("")
    """A font other than Sarabun (symbols: `kiosk.ui.icons.ICON_FONT`); "" = the text font."""
    texture_pos = staticmethod(texture_pos)
    follows_large_text = BooleanProperty(True)
    """False for the fixed chrome (toolbar, banners): its size and place never change, so
    the "normal text" toggle stays where the citizen found it and the content keeps room."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("halign", "left")
        kwargs.setdefault("valign", "middle")
        if kwargs.get("fit_height", True):
            kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self.font_script_name = SCRIPT
        self._restyle = Clock.create_trigger(self._apply, -1)
        style().follow(self._style_changed)
        self.bind(key=self._restyle, fields=self._restyle, raw=self._restyle,
                  role=self._restyle, step=self._restyle, bold=self._restyle,
                  width=self._restyle, draw_background=self._restyle)
        self.bind(texture_size=self._fit)
        with self.canvas.before:
            self._bg_colour = Color(0, 0, 0, 0)
            self._bg_rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._move_bg, size=self._move_bg)
        self._apply()

    def _style_changed(self) -> None:
        self._restyle()

    def effective_role(self) -> Role:
        return self.role

    def source_text(self) -> str:
        s = style()
        return s.tr(self.key, **self.fields) if self.key else self.raw

    def _apply(self, *_: Any) -> None:
        s = style()
        self.font_name = self.font_file or str(FONT_BOLD if self.bold else FONT_REGULAR)
        self.font_script_name = SCRIPT
        self.font_size = s.font_px(self.step) if self.follows_large_text \
            else s.metrics.font_px(self.step)
        self.color = s.fg(self.effective_role())
        self._bg_colour.rgba = s.bg(self.effective_role()) if self.draw_background else (0, 0, 0, 0)
        self._move_bg()
        text = self.source_text()
        width = self.width - self.padding[0] - self.padding[2]
        final = True
        if width > 0:
            if self.whole_words:
                self.font_size = name_font_px(text, width, int(self.font_size), self.font_name)
            measure = _measurer(self.font_name, int(self.font_size))
            wrap = wrap_name_to_width if self.whole_words else wrap_to_width
            text, final = wrap(text, width, measure)
            widest = max((measure(line) for line in text.split("\n")), default=0.0)
            # The texture as wide as the text, not the box: the rest of a box-wide one is
            # transparent pixels that a software renderer paints all the same. A line
            # wider than the box (a provisional wrap) keeps the box, so Kivy cuts it.
            self.text_size = (None, None) if widest <= width else (self.width, None)
        if final:
            _provisional.discard(self)
        else:
            _provisional.add(self)
        self.text = text
        self._fit()

    def drawn_lines(self) -> list[str]:
        """The lines Kivy actually draws (it cuts a line too wide for ``text_size`` itself,
        anywhere, even inside a name): equal to ``text``'s lines when the wrap held."""
        self.texture_update()
        return ["".join(word.text for word in line.words)
                for line in self._label._cached_lines]

    def _fit(self, *_: Any) -> None:
        if self.fit_height:
            # An empty label takes no room (optional lines: reference, hints, messages).
            self.height = self.texture_size[1] + self.padding[1] + self.padding[3] \
                if self.text else 0

    def _move_bg(self, *_: Any) -> None:
        # Without a background the rectangle is empty, not transparent: a software
        # renderer (llvmpipe) paints every pixel of a transparent one all the same.
        self._bg_rect.pos = self.pos
        self._bg_rect.size = self.size if self.draw_background else (0, 0)


class KButton(ButtonBehavior, KLabel):
    """A touch target never smaller than the configured minimum, in its role's colours."""

    enabled = BooleanProperty(True)
    icon = StringProperty("")
    """A symbol drawn just left of the text (`kiosk.ui.icons`); by default the one of
    ``key`` in BUTTON_ICONS."""

    def __init__(self, action: Callable[[], None] | None = None, **kwargs: Any) -> None:
        from kiosk.ui.icons import BUTTON_ICONS

        kwargs.setdefault("role", Role.PRIMARY_BUTTON)
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("bold", True)
        kwargs.setdefault("padding", (24, 12))
        self.action = action
        self._icon_map = BUTTON_ICONS
        kwargs.setdefault("padding", (24, 12))
        self._base_padding = tuple(kwargs["padding"]) if len(kwargs["padding"]) == 4 \
            else (kwargs["padding"][0], kwargs["padding"][1]) * 2
        super().__init__(**kwargs)
        with self.canvas.after:
            self._icon_colour = Color(0, 0, 0, 0)
            self._icon_rect = Rectangle()
        self.bind(icon=self._restyle, key=self._restyle, texture_size=self._place_icon)
        with self.canvas.before:
            self._btn_colour = Color(*style().bg(self.role))
            self._btn_rect = RoundedRectangle(pos=self.pos, size=self.size, radius=[12])
            self._edge_colour = Color(0, 0, 0, 0)
            self._edge_line = Line(width=1.5)
            self._focus_colour = Color(0, 0, 0, 0)
            self._focus_line = Line(width=2)
        self.bind(pos=self._redraw, size=self._redraw, state=self._redraw, enabled=self._restyle)

    def effective_role(self) -> Role:
        return self.role if self.enabled else Role.DISABLED_BUTTON

    def outline_colour(self) -> str | None:
        """The edge drawn around the button's shape (None: the fill alone shows it).

        Secondary and disabled fills are close to the page (1.2:1); their text colour as
        an edge gives the shape 3:1 or more (WCAG 1.4.11) on the page and on panels.
        """
        role = self.effective_role()
        if role in (Role.SECONDARY_BUTTON, Role.DISABLED_BUTTON):
            return style().theme.pair(role)[0]
        return None

    def shown_icon(self) -> str:
        return self.icon or self._icon_map.get(self.key, "")

    def _apply(self, *_: Any) -> None:
        symbol = self.shown_icon()
        left, top, right, bottom = self._base_padding
        size = style().font_px(self.step) if self.follows_large_text \
            else style().metrics.font_px(self.step)
        self._icon_texture = _icon_texture(symbol, int(size)) if symbol else None
        if self._icon_texture is not None:
            left += self._icon_texture.width + 12  # room for the icon before the text
        self.padding = (left, top, right, bottom)
        super()._apply()
        if hasattr(self, "_btn_colour"):
            self._redraw()
        self._place_icon()

    def _place_icon(self, *_: Any) -> None:
        if not hasattr(self, "_icon_rect"):
            return  # still in __init__
        texture = getattr(self, "_icon_texture", None)
        if texture is None or not self.text:
            self._icon_colour.rgba = (0, 0, 0, 0)
            self._icon_rect.size = (0, 0)  # drawn as nothing, not as a transparent square
            return
        measure = _measurer(self.font_name, int(self.font_size))
        widest = max(measure(line) for line in self.text.split("\n"))
        inner_left = self.x + self.padding[0]
        inner = self.width - self.padding[0] - self.padding[2]
        start = inner_left + max(0.0, (inner - widest) / 2) if self.halign == "center" \
            else inner_left
        self._icon_colour.rgba = self.color
        self._icon_rect.texture = texture
        self._icon_rect.size = texture.size
        # y and height, not ``center_y`` (stale inside a size event: see ServiceTile).
        self._icon_rect.pos = (start - texture.width - 12,
                               self.y + (self.height - texture.height) / 2)

    def _fit(self, *_: Any) -> None:
        if self.fit_height:
            self.height = max(style().target_px,
                              self.texture_size[1] + self.padding[1] + self.padding[3])

    def _redraw(self, *_: Any) -> None:
        self._place_icon()
        s = style()
        r, g, b, a = s.bg(self.effective_role())
        dim = 0.8 if self.state == "down" else 1.0
        self._btn_colour.rgba = (r * dim, g * dim, b * dim, a)
        self._btn_rect.pos = self.pos
        self._btn_rect.size = self.size
        edge = self.outline_colour()
        self._edge_colour.rgba = rgba(edge) if edge else (0, 0, 0, 0)
        self._edge_line.rounded_rectangle = (*self.pos, *self.size, 12)
        pressed = self.state == "down"
        self._focus_colour.rgba = s.fg(self.effective_role()) if pressed else (0, 0, 0, 0)
        self._focus_line.rounded_rectangle = (*self.pos, *self.size, 12)

    def on_release(self) -> None:
        if self.enabled and self.action is not None:
            self.action()


@lru_cache(maxsize=128)
def _icon_texture(symbol: str, size: int) -> Any:
    from kiosk.ui.icons import ICON_FONT

    core = CoreLabel(text=symbol, font_name=str(ICON_FONT), font_size=size)
    core.refresh()
    return core.texture


class Panel(BoxLayout):
    """A box with its role's background colour (banners, cards, the toolbar)."""

    role = ObjectProperty(Role.PANEL)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas.before:
            self._colour = Color(*style().bg(self.role))
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._redraw, size=self._redraw, role=self._redraw)
        style().follow(self._redraw)

    def _redraw(self, *_: Any) -> None:
        self._colour.rgba = style().bg(self.role)
        self._rect.pos = self.pos
        self._rect.size = self.size


def spacer(height: float | None = None) -> Widget:
    if height is None:
        return Widget()
    return Widget(size_hint_y=None, height=height)
