"""A layout checker that looks at what a citizen sees: the widget tree after layout.

For the window as drawn now, `check_layout` lists every fault a citizen would notice:
content widgets drawn over each other, text that does not fit its box (or is ellipsized),
anything of the screen under the toolbar or a banner or off the window, a primary action or
the card holder's identification that needs scrolling to be seen, a scroll view not at its
top, and buttons whose shape has less than 3:1 contrast with the page (WCAG 1.4.11).

It knows nothing of particular screens: a screen only says what must be seen without
scrolling (`KioskScreen.must_see`). Used by tests/ui/test_ui_layout_checker.py over every
session screen × variant (`kiosk.ui.layout_cases`), and by `make demo` for the contact sheet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kivy.uix.image import Image
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui.style import style
from kiosk.ui.theme import contrast_ratio
from kiosk.ui.widgets import KButton, KLabel

NON_TEXT_CONTRAST = 3.0
"""WCAG 1.4.11: a button's shape against the page."""
SLACK = 1.0
"""Pixels of rounding a layout may take."""

Rect = tuple[float, float, float, float]
"""Window coordinates: (left, bottom, right, top)."""


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"


def walk(root: Widget) -> Iterator[Widget]:
    yield root
    for child in root.children:
        yield from walk(child)


def window_rect(widget: Widget) -> Rect:
    x0, y0 = widget.to_window(widget.x, widget.y)
    return x0, y0, x0 + widget.width, y0 + widget.height


def intersect(a: Rect, b: Rect) -> Rect | None:
    left, bottom = max(a[0], b[0]), max(a[1], b[1])
    right, top = min(a[2], b[2]), min(a[3], b[3])
    if right - left <= SLACK or top - bottom <= SLACK:
        return None
    return left, bottom, right, top


def contains(outer: Rect, inner: Rect) -> bool:
    return (inner[0] >= outer[0] - SLACK and inner[1] >= outer[1] - SLACK
            and inner[2] <= outer[2] + SLACK and inner[3] <= outer[3] + SLACK)


def shown(widget: Widget, root: Widget) -> bool:
    """Drawn at all: it and every parent up to ``root`` are opaque and not empty."""
    w: Widget | None = widget
    while w is not None:
        if w.opacity <= 0:
            return False
        if w is root:
            return True
        w = w.parent
    return True


def is_content(widget: Widget) -> bool:
    if isinstance(widget, KLabel):
        return bool(widget.text.strip()) and widget.width > 0 and widget.height > 0
    if isinstance(widget, Image):
        return widget.texture is not None and widget.width > 0
    return False


def scroll_parents(widget: Widget, root: Widget) -> list[ScrollView]:
    found = []
    w = widget.parent
    while w is not None and w is not root and w.parent is not w:
        if isinstance(w, ScrollView):
            found.append(w)
        w = w.parent
    return found


def name(widget: Widget) -> str:
    kind = type(widget).__name__
    if isinstance(widget, KLabel):
        text = widget.text.replace("\n", " ")
        return f"{kind}({widget.key or text[:28]!r})"
    return kind


def _ancestor(a: Widget, b: Widget) -> bool:
    w = b.parent
    while w is not None and w.parent is not w:
        if w is a:
            return True
        w = w.parent
    return False


def check_layout(screen: Widget, frames: list[Widget], page_area: Widget) -> list[Fault]:
    """Faults of ``screen`` (the current session screen) drawn in ``page_area``.

    ``frames`` are the fixed widgets around it (toolbar, banners): their own content is
    checked too, and nothing of the screen may lie under them.
    """
    faults: list[Fault] = []
    page = window_rect(page_area)
    visible: list[tuple[Widget, Rect]] = []
    for root in (*frames, screen):
        for widget in walk(root):
            if not is_content(widget) or not shown(widget, root):
                continue
            rect = window_rect(widget)
            clip = rect
            for scroll in scroll_parents(widget, root):
                clip = intersect(clip, window_rect(scroll)) if clip else None
            if clip is None:
                continue  # scrolled out of view: the scroll view's cue says there is more
            visible.append((widget, clip))
            if root is screen and not contains(page, rect if clip == rect else clip):
                faults.append(Fault("outside", name(widget),
                                    "lies under the toolbar/banner or off the window"))
            if isinstance(widget, KLabel):
                faults.extend(_text_faults(widget))
    for i, (a, ra) in enumerate(visible):
        for b, rb in visible[i + 1:]:
            if _ancestor(a, b) or _ancestor(b, a):
                continue
            if intersect(ra, rb) is not None:
                faults.append(Fault("overlap", name(a), f"drawn over {name(b)}"))
    faults.extend(_must_see_faults(screen, page))
    faults.extend(_scroll_faults(screen))
    faults.extend(_contrast_faults([*frames, screen]))
    return faults


def _text_faults(label: KLabel) -> list[Fault]:
    faults = []
    tw, th = label.texture_size
    if tw > label.width + SLACK or th > label.height + SLACK:
        faults.append(Fault("clipped", name(label),
                            f"text {tw:.0f}x{th:.0f} px in a {label.width:.0f}x"
                            f"{label.height:.0f} px box"))
    if "…" in label.text or label.shorten:
        faults.append(Fault("ellipsis", name(label), "text is shortened"))
    if label.whole_words and label.drawn_lines() != label.text.split("\n"):
        faults.append(Fault("split word", name(label),
                            "a name part or ID broken across lines where `wrap_name` "
                            "does not break it"))
    return faults


def _must_see_faults(screen: Widget, page: Rect) -> list[Fault]:
    faults = []
    must_see = getattr(screen, "must_see", None)
    for widget in must_see() if must_see is not None else ():
        if not shown(widget, screen) or widget.width <= 0 or widget.height <= 0:
            faults.append(Fault("hidden", name(widget), "must be seen but is not drawn"))
            continue
        rect = window_rect(widget)
        viewports = [window_rect(s) for s in scroll_parents(widget, screen)]
        if not all(contains(v, rect) for v in (page, *viewports)):
            faults.append(Fault("below the fold", name(widget),
                                "must be seen without scrolling"))
    return faults


def _scroll_faults(screen: Widget) -> list[Fault]:
    return [Fault("scrolled", name(w), f"starts at scroll_y={w.scroll_y:.2f}, not the top")
            for w in walk(screen) if isinstance(w, ScrollView) and w.scroll_y < 0.999]


def _surface(widget: Widget) -> str:
    """The colour behind ``widget``: its nearest coloured panel's, else the page's."""
    from kiosk.ui.widgets import Panel

    w = widget.parent
    while w is not None and w.parent is not w:
        if isinstance(w, Panel):
            return style().theme.pair(w.role)[1]
        w = w.parent
    return style().theme.background


def _contrast_faults(roots: list[Widget]) -> list[Fault]:
    s = style()
    faults = []
    for root in roots:
        for widget in walk(root):
            if not isinstance(widget, KButton) or not shown(widget, root) or widget.width <= 0:
                continue
            page = _surface(widget)
            fill = s.theme.pair(widget.effective_role())[1]
            edge = widget.outline_colour()
            best = max(contrast_ratio(fill, page),
                       contrast_ratio(edge, page) if edge else 0.0)
            if best < NON_TEXT_CONTRAST:
                faults.append(Fault("contrast", name(widget),
                                    f"button shape {best:.2f}:1 against the page"))
    return faults
