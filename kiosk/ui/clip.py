"""Clipping by the scissor box instead of Kivy's stencil: the same pixels, far less drawing.

Kivy's `StencilView` (the base of `ScrollView`) and `ScreenManager` clip their children by
drawing their own rectangle into the stencil buffer before the children and again after
them, every frame, and then stencil-test every pixel the children draw. Under a software
renderer (Mesa llvmpipe, as on the kiosk PCs without a GPU) each of those rectangles costs
as much as painting it: the manager's two cover the whole screen area, the scroll area's
two most of it — about a third of every frame (docs/benchmarks.md, Touch UI). A clip that
is an axis-aligned rectangle needs none of that: `ScissorPush` sets the GL scissor box,
which costs nothing per pixel.

`use_scissor(widget)` swaps the stencil instructions of a `StencilView`-like widget for a
scissor box that follows the widget's window rectangle. `drop_stencil(widget)` removes
a clip that clips nothing: the `ScreenManager`'s (with `NoTransition` every screen has
exactly the manager's size and position) and a contained `Image`'s (the photo, the QR).
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import BindTexture, ScissorPop, ScissorPush
from kivy.graphics.stencil_instructions import (
    StencilPop,
    StencilPush,
    StencilUnUse,
    StencilUse,
)
from kivy.uix.widget import Widget


def _cut(canvas: Any, first: type, last: type) -> int | None:
    """Remove the instructions from the first ``first`` to the next ``last``, inclusive;
    return where they were (None: no such run, nothing removed)."""
    children = list(canvas.children)
    start = next((i for i, ins in enumerate(children) if isinstance(ins, first)), None)
    if start is None:
        return None
    end = next((i for i in range(start, len(children)) if isinstance(children[i], last)),
               None)
    if end is None:
        return None
    for instruction in children[start:end + 1]:
        if not isinstance(instruction, BindTexture):  # a Rectangle takes its own along
            canvas.remove(instruction)
    return start


def drop_stencil(widget: Widget) -> None:
    """Remove a widget's own stencil clip (what it draws is then unclipped).

    For a `ScreenManager` without transitions, and for an `Image` with
    ``fit_mode="contain"`` (Kivy 2.3 clips every image, for ``"cover"``; a contained
    picture never leaves its box)."""
    for group in (widget.canvas.before, widget.canvas, widget.canvas.after):
        _cut(group, StencilPush, StencilUse)
        _cut(group, StencilUnUse, StencilPop)


class ScissorClip:
    """The scissor box of one widget, kept on its window rectangle (whole pixels)."""

    def __init__(self, widget: Widget) -> None:
        self.widget = widget
        self.push = ScissorPush(x=0, y=0, width=1, height=1)
        self._ancestors: list[Widget] = []
        widget.bind(pos=self.update, size=self.update, parent=self._follow_ancestors)
        self._follow_ancestors()

    def _follow_ancestors(self, *_: Any) -> None:
        # The window rectangle also moves when a relative-layout parent (a Screen) moves.
        for ancestor in self._ancestors:
            ancestor.unbind(pos=self.update)
        self._ancestors = []
        w = self.widget.parent
        for _depth in range(64):
            if w is None or w.parent is w or not isinstance(w, Widget):
                break
            w.bind(pos=self.update)
            self._ancestors.append(w)
            w = w.parent
        self.update()

    def update(self, *_: Any) -> None:
        w = self.widget
        x, y = w.to_window(w.x, w.y)
        right, top = w.to_window(w.right, w.top)
        left, bottom = round(x), round(y)
        box = (left, bottom, max(0, round(right) - left), max(0, round(top) - bottom))
        push = self.push
        if (push.x, push.y, push.width, push.height) != box:
            push.x, push.y, push.width, push.height = box


def use_scissor(widget: Widget) -> ScissorClip:
    """Clip ``widget``'s drawing (a `StencilView`) by the scissor box, not the stencil."""
    at_before = _cut(widget.canvas.before, StencilPush, StencilUse)
    at_after = _cut(widget.canvas.after, StencilUnUse, StencilPop)
    if at_before is None or at_after is None:
        raise TypeError(f"{type(widget).__name__} has no stencil clip to replace")
    clip = ScissorClip(widget)
    widget.canvas.before.insert(at_before, clip.push)
    widget.canvas.after.insert(at_after, ScissorPop())
    return clip
