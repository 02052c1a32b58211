"""Thai must be shaped by HarfBuzz: tone marks placed by the font, not left floating."""

from __future__ import annotations

from kivy.core.text import Label as CoreLabel
from uikit_driver import ARTIFACTS, walk
from uikit_feeder import ViewFeeder
from uikit_samples import SCREEN_VIEWS

from kiosk.ui.style import FONT_REGULAR, SCRIPT
from kiosk.ui.widgets import KLabel

# Tone marks over upper vowels and tall consonants: these move only when shaped.
STACKED = "ผู้ใหญ่ที่นี่ปี่ป่า น้ำ ญี่ปุ่น"


def _render(text: str, script: str, size: int = 48) -> tuple[tuple[int, int], bytes]:
    label = CoreLabel(text=text, font_name=str(FONT_REGULAR), font_size=size,
                      font_script_name=script)
    label.refresh()
    return tuple(label.texture.size), bytes(label.texture.pixels)


def _save(name: str, size: tuple[int, int], pixels: bytes) -> None:
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    glyphs = Image.frombytes("RGBA", size, pixels)
    canvas = Image.new("RGBA", size, "black")  # the glyphs are white: put them on black
    canvas.alpha_composite(glyphs)
    canvas.convert("RGB").save(ARTIFACTS / f"shaping-{name}.png")


def test_shaping_moves_stacked_marks(ui: object) -> None:
    shaped = _render(STACKED, "Thai")
    unshaped = _render(STACKED, "Latn")
    _save("thai", *shaped)
    _save("latn", *unshaped)
    assert shaped[1] != unshaped[1], "Thai script shaping made no difference: marks would float"


def test_text_without_marks_is_unaffected(ui: object) -> None:
    # Control: the comparison above is about marks, not about the script flag per se.
    assert _render("HELLO 123", "Thai") == _render("HELLO 123", "Latn")


def _crop(size: tuple[int, int], pixels: bytes, width: int) -> bytes:
    """Coverage (alpha) of the left ``width`` columns (the label is left-aligned; its colour
    is baked into the texture, so only the glyph shapes are compared)."""
    stride = size[0] * 4
    rows = (pixels[row * stride: row * stride + width * 4] for row in range(size[1]))
    return b"".join(row[3::4] for row in rows)


def test_shared_label_style_shapes_thai(ui: object, feeder: ViewFeeder) -> None:
    label = KLabel(raw=STACKED, fit_height=False, size_hint=(None, None), size=(2000, 100))
    label.texture_update()
    assert label.font_script_name == SCRIPT
    size = tuple(label.texture.size)
    shaped = _render(STACKED, "Thai", int(label.font_size))
    unshaped = _render(STACKED, "Latn", int(label.font_size))
    assert size[1] == shaped[0][1]
    drawn = _crop(size, bytes(label.texture.pixels), shaped[0][0])
    assert drawn == _crop(shaped[0], shaped[1], shaped[0][0]), \
        "the shared label does not draw Thai as shaped text"
    assert drawn != _crop(unshaped[0], unshaped[1], shaped[0][0])


def test_every_label_on_every_screen_uses_the_thai_style(ui, feeder: ViewFeeder) -> None:
    for screen, fields in SCREEN_VIEWS.items():
        feeder.show(**fields)
        ui.wait_screen(screen)
        labels = [w for w in walk(ui.app.root) if hasattr(w, "font_script_name")]
        assert labels
        for label in labels:
            assert label.font_script_name == SCRIPT, (screen, type(label).__name__, label.text)
            assert "Sarabun" in label.font_name, (screen, label.font_name)
