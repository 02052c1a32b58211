"""Where a label's text texture is drawn, now that it is only as wide as its text.

Kivy's own rule centres the texture in the label. `kiosk.ui.widgets.KLabel` cuts the
texture to the text's width (the rest of a box-wide one is transparent pixels that a
software renderer paints all the same), so the texture is placed by ``halign`` instead; a
box-wide texture (a line Kivy must cut) lands where Kivy's rule would put it. (The rule
calls it as ``KLabel.texture_pos``: this module is still loading when the rule is read.)
"""

from __future__ import annotations

from kivy.lang import Builder


def texture_pos(pos: tuple[float, float], size: tuple[float, float],
                texture_size: tuple[float, float], halign: str) -> tuple[int, int]:
    """Against the side ``halign`` names, or centred ("center"); always centred
    vertically (a label's height fits its text)."""
    (x, y), (w, h), (tw, th) = pos, size, texture_size
    left = x if halign == "left" else x + w - tw if halign == "right" else x + (w - tw) / 2
    return int(left), int(y + (h - th) / 2)


Builder.load_string("""
<-KLabel>:
    canvas:
        Color:
            rgba: 1, 1, 1, 1
        Rectangle:
            texture: self.texture
            size: self.texture_size
            pos: self.texture_pos(self.pos, self.size, self.texture_size, self.halign)
""")
