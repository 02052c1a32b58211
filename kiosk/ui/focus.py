"""Keypad focus: which controls a key reaches, in what order, and the ring that shows it.

No screen keeps a list of what can be focused: the focus order is read from the widgets
the screen itself built, in reading order (top to bottom, left to right: Kivy's add
order), then the toolbar. A control is reachable while it is drawn: it and every parent
are opaque, it has a size and is not ``disabled``; a hidden or zero-width button is never
focused, so a button added to a screen is reachable by default. Controls inside a scroll
area are scrolled into view when focused. A screen may set ``default_focus()`` and
``focus_items()``; `KioskScreen` derives both from its widgets.

The ring is drawn above everything (the root's ``canvas.after``) just outside the control,
in the theme's ``focus`` colour with a halo of the page colour between it and the control,
so it is seen against the page, the toolbar and any button fill (`Theme.focus`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, InstructionGroup, Line
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.session.speech import SpeechPort
from kiosk.ui.style import style
from kiosk.ui.theme import Role, rgba
from kiosk.ui.widgets import KButton

RING_PX = 3.0
"""Half the ring's thickness in pixels (Kivy's Line width): a 6 px line."""
RING_GAP_PX = 4.0
"""Between the control's edge and the ring: the page-coloured halo."""


def reading_order(root: Widget) -> Iterator[Widget]:
    """Every widget under ``root`` in the order it was added (top-down, left to right)."""
    yield root
    for child in reversed(root.children):
        yield from reading_order(child)


def drawn(widget: Widget, root: Widget | None = None) -> bool:
    """Drawn and usable: opaque up to ``root`` (or the window), with a size, not disabled."""
    if widget.disabled or widget.width <= 1 or widget.height <= 1:
        return False
    w: Widget | None = widget
    for _depth in range(256):
        if w is None or w.opacity <= 0:
            return w is None
        if w is root or w.parent is w:
            return True
        w = w.parent
    return True


def focusable_in(root: Widget) -> list[KButton]:
    """The controls of ``root`` a key can reach, in reading order."""
    return [w for w in reading_order(root) if isinstance(w, KButton)
            and getattr(w, "focusable", True) and drawn(w, root)]


def item_key(button: KButton) -> str:
    """What the spoken layer looks the item up by: its message key or its own item key."""
    return getattr(button, "item_key", "") or button.key or button.raw


def item_label(button: KButton) -> str:
    """The words of the item: its text (a tile with its line), or the words of a symbol
    button's item key ("?" is Help)."""
    key = getattr(button, "item_key", "")
    tr = style().tr
    text = tr(key) if key and not button.key and tr.has(key) else button.source_text()
    line = getattr(button, "line", None)  # a service tile's description
    if line is not None and line.source_text():
        text = f"{text}: {line.source_text()}"
    return text.replace("\n", " ")


class FocusRing:
    """The ring's canvas instructions (on the root's ``canvas.after``)."""

    def __init__(self, canvas: Any) -> None:
        self.group = InstructionGroup()
        self._halo_colour = Color(0, 0, 0, 0)
        self._halo = Line(width=RING_GAP_PX / 2)
        self._ring_colour = Color(0, 0, 0, 0)
        self._ring = Line(width=RING_PX)
        for instruction in (self._halo_colour, self._halo, self._ring_colour, self._ring):
            self.group.add(instruction)
        canvas.add(self.group)
        self.rect: tuple[float, float, float, float] | None = None
        self._colours: tuple[str, str] | None = None

    def show(self, rect: tuple[float, float, float, float]) -> bool:
        """Place the ring around ``rect`` (window x, y, w, h); False if nothing changed."""
        theme = style().theme
        colours = (theme.focus, theme.pair(Role.BODY)[1])
        if rect == self.rect and colours == self._colours:
            return False
        self.rect, self._colours = rect, colours
        x, y, w, h = rect
        halo = RING_GAP_PX / 2
        self._halo.rounded_rectangle = (x - halo, y - halo, w + 2 * halo, h + 2 * halo, 12)
        out = RING_GAP_PX + RING_PX
        self._ring.rounded_rectangle = (x - out, y - out, w + 2 * out, h + 2 * out, 14)
        self._ring_colour.rgba = rgba(colours[0])
        self._halo_colour.rgba = rgba(colours[1])
        return True

    def hide(self) -> None:
        if self.rect is not None:
            self.rect = None
            self._ring_colour.rgba = (0, 0, 0, 0)
            self._halo_colour.rgba = (0, 0, 0, 0)


class FocusManager:
    """Moves the focus over the current screen's controls and keeps the ring on it.

    ``screen()`` gives the screen shown now, ``chrome()`` the always-present controls (the
    toolbar), reached after the screen's own. Main thread only.
    """

    def __init__(self, canvas: Any, screen: Callable[[], Widget], chrome: Callable[[], Widget],
                 speech: SpeechPort) -> None:
        self.ring = FocusRing(canvas)
        self._screen = screen
        self._chrome = chrome
        self.speech = speech
        self._focused: weakref.ref[KButton] | None = None
        self._for_screen: str | None = None
        self.visible = False
        """The ring shows once a key was pressed (a touch user never sees it)."""
        self._tracker = Clock.schedule_interval(self.track, 0)

    # -- what can be focused -----------------------------------------------------------

    def items(self) -> list[KButton]:
        screen = self._screen()
        own = screen.focus_items() if hasattr(screen, "focus_items") else focusable_in(screen)
        return [*own, *focusable_in(self._chrome())]

    @property
    def focused(self) -> KButton | None:
        button = self._focused() if self._focused is not None else None
        if button is None or self._for_screen != self._screen().name:
            return None
        return button

    def _default(self, items: list[KButton]) -> KButton | None:
        screen = self._screen()
        chosen = screen.default_focus() if hasattr(screen, "default_focus") else None
        return chosen if chosen in items else (items[0] if items else None)

    # -- moving -----------------------------------------------------------------------

    def screen_changed(self) -> None:
        """A new screen is up: the focus goes to its default item (announced if keyed)."""
        self._focused = None
        if self.visible:
            self.move(0)

    def move(self, delta: int) -> KButton | None:
        """``delta`` +1 next, -1 previous (wrapping: never trapped), 0 current or default."""
        self.visible = True
        items = self.items()
        current = self.focused
        if current not in items:
            target = self._default(items)
        elif delta == 0:
            target = current
        else:
            target = items[(items.index(current) + delta) % len(items)]
        self._set(target, items, announce=True)
        return target

    def focus(self, button: KButton) -> None:
        """Put the focus on ``button`` (tests, screens that move it themselves)."""
        self.visible = True
        self._set(button, self.items(), announce=True)

    def _set(self, target: KButton | None, items: list[KButton], *, announce: bool) -> None:
        self._focused = weakref.ref(target) if target is not None else None
        self._for_screen = self._screen().name
        if target is None:
            self.ring.hide()
            return
        scroll_into_view(target)
        self.track()
        if announce:
            self.speech.focus_moved(item_key(target), item_label(target),
                                    items.index(target) + 1, len(items))

    def activate(self) -> bool:
        """Enter: press the focused control the way a tap does; False if none."""
        button = self.focused
        if button is None or not drawn(button):
            self.move(0)
            return False
        button.trigger_action(duration=0)
        return True

    def announce(self) -> None:
        """Say again where the focus is (5, "where am I")."""
        self.move(0)

    # -- drawing ------------------------------------------------------------------------

    def track(self, *_: Any) -> None:
        """Each frame: keep the ring on the focused control; move it off a vanished one."""
        if not self.visible:
            self.ring.hide()
            return
        button = self.focused
        if button is None or not drawn(button):
            items = self.items()
            target = self._default(items)
            if target is None:
                self.ring.hide()
                return
            self._focused = weakref.ref(target)
            self._for_screen = self._screen().name
            button = target
        x, y = button.to_window(button.x, button.y)
        clip = _scroll_parent(button)
        if clip is not None:  # scrolled out of its area: no ring over other content
            _cx, cy = clip.to_window(clip.x, clip.y)
            if y + button.height < cy or y > cy + clip.height:
                self.ring.hide()
                return
        self.ring.show((x, y, button.width, button.height))

    def close(self) -> None:
        self._tracker.cancel()


def _scroll_parent(widget: Widget) -> ScrollView | None:
    w = widget.parent
    for _depth in range(256):
        if w is None or w.parent is w:
            return None
        if isinstance(w, ScrollView):
            return w
        w = w.parent
    return None


def scroll_into_view(widget: Widget) -> None:
    scroll = _scroll_parent(widget)
    if scroll is not None and scroll.viewport_size[1] > scroll.height:
        scroll.scroll_to(widget, padding=style().gap_px * 2, animate=False)
