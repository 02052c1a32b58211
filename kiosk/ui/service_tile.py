"""A menu tile: the service's icon, its name in bold, and one line saying what it does.

The tile is a `KButton` (the same target size, colours, outline, pressed state and icon as
every other button) whose own text is the bold name; the description is a regular-weight
label drawn in the tile's bottom padding, so the two read as one block centred in the tile.
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, _icon_texture

OVERLAP = 4
"""A single-line texture keeps room for stacked Thai marks above and below; two of them
stacked are that much taller than two lines of one paragraph, so the line moves up by it."""
ICON_SLOT = 1.3
"""The icon column's width in ems of the name: every tile's name starts at the same x."""


class TileLine(KLabel):
    """The description: regular weight, always in its tile's colours (also when disabled)."""

    def __init__(self, tile: ServiceTile, **kwargs: Any) -> None:
        self.tile = tile
        super().__init__(**kwargs)

    def effective_role(self) -> Role:
        tile = getattr(self, "tile", None)
        return tile.effective_role() if tile is not None else self.role


class ServiceTile(KButton):
    """``title`` in bold, ``line`` under it in regular weight; ``line`` may be ""."""

    def __init__(self, title: str, line: str, *, padding: tuple[int, int] = (20, 6),
                 item_key: str = "", **kwargs: Any) -> None:
        self.item_key = item_key
        """``service.<id>``: what the spoken layer names the focused tile by."""
        # The tile needs the line before KButton's first restyle reads its height.
        self.line = TileLine(self, raw=line, halign="left")
        self._tile_padding = (padding[0], padding[1]) * 2
        kwargs.setdefault("halign", "left")
        super().__init__(raw=title, bold=True, fit_height=False, size_hint_y=None,
                         padding=padding, **kwargs)
        self.add_widget(self.line)
        self.line.bind(height=self._restyle)
        self.bind(enabled=self.line._restyle, pos=self._place_line, size=self._place_line,
                  texture_size=self._place_line)

    def _apply(self, *_: Any) -> None:
        line = getattr(self, "line", None)
        left, top, right, bottom = getattr(self, "_tile_padding", self._base_padding)
        if line is not None and line.height > 0:
            bottom += line.height - OVERLAP  # room under the name for the description
        symbol = self.shown_icon()
        size = int(style().font_px(self.step) if self.follows_large_text
                   else style().metrics.font_px(self.step))
        if symbol:  # KButton makes room for the icon's own width; widen it to the slot
            spare = max(0, int(size * ICON_SLOT) - _icon_texture(symbol, size).width)
            left += spare
            self._icon_shift = spare / 2
        self._base_padding = (left, top, right, bottom)
        super()._apply()
        if line is not None:
            # The line starts where the name starts (after the icon), and is as wide.
            line.width = max(0, self.width - self.padding[0] - self.padding[2])
            self._place_line()

    def _place_icon(self, *_: Any) -> None:
        super()._place_icon()
        if hasattr(self, "_icon_rect"):  # centred in its slot, not against the name
            x, y = self._icon_rect.pos
            self._icon_rect.pos = (x - getattr(self, "_icon_shift", 0), y)

    def _place_line(self, *_: Any) -> None:
        line = getattr(self, "line", None)
        if line is None:
            return
        # Kivy draws the text texture (padding included) centred in the button. From y and
        # height, not ``center_y``: inside a size event that alias may still hold the old
        # height (the tiles' heights are evened from their own texture events).
        texture_bottom = int(self.y + (self.height - self.texture_size[1]) / 2)
        line.pos = (self.x + self.padding[0], texture_bottom + self._tile_padding[3])
