"""The window's pixels as a PNG: the demo folder, test artifacts and the contact sheet.

Import only after `kiosk.ui.bootstrap.configure_kivy` (it reads the Kivy window).
"""

from __future__ import annotations

import os
from pathlib import Path

from kivy.core.window import Window

__all__ = ["save_window_png"]


def save_window_png(path: Path) -> Path:
    """The window's pixels as a PNG at exactly ``path`` (Kivy's own adds a number)."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    # Draw the current widget tree now and read the buffer just drawn: after a flip the
    # back buffer may still hold an older frame.
    Window.dispatch("on_draw")
    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    stride = len(data) // height  # rows may be padded to 4 bytes
    image = Image.frombytes("RGB", (width, height), data, "raw", "RGB", stride)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A screenshot shows a citizen's ID and name: readable by the kiosk user only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(out, format="PNG")
    return path
