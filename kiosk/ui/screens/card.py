"""Screens around the card itself: waiting for it, reading it, showing it, returning it."""

from __future__ import annotations

import io
from typing import Any

from kivy.animation import Animation
from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from kiosk.session.view import Screen, SessionView
from kiosk.ui.clip import drop_stencil
from kiosk.ui.progress import KProgress
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.style import HERO, LARGE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, _measurer, spacer


def photo_texture(jpeg: bytes) -> Texture:
    """The card photo (JPEG) as a texture, decoded by Pillow's JPEG reader alone.

    Kivy's own image loader first registers every Pillow format plugin (PIL.Image.init):
    ~0.1 s of imports on the UI thread at the first citizen's photo, a visible stall.
    """
    from PIL import Image as PilImage

    with PilImage.open(io.BytesIO(jpeg), formats=["JPEG"]) as image:
        rgba = image.convert("RGBA")  # 4 bytes a pixel: rows need no GL alignment
    texture = Texture.create(size=rgba.size, colorfmt="rgba")
    texture.blit_buffer(rgba.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
    texture.flip_vertical()  # Pillow's rows run top-down, GL's bottom-up
    return texture


class CardSlotAnimation(Widget):
    """A card gliding down into the slot, over and over: "insert your card here"."""

    travel = NumericProperty(0.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self.canvas:
            self._card_colour = Color()
            self._card = RoundedRectangle(radius=[10])
            self._chip_colour = Color(0.85, 0.7, 0.25, 1)
            self._chip = RoundedRectangle(radius=[4])
            self._slot_colour = Color()
            self._slot = Rectangle()
        self.bind(pos=self._redraw, size=self._redraw, travel=self._redraw)
        style().follow(self._redraw)
        self._animation: Animation | None = None

    def start(self) -> None:
        if self._animation is None:
            self._animation = Animation(travel=1.0, duration=1.6, t="in_out_quad") + \
                Animation(travel=1.0, duration=0.5) + Animation(travel=0.0, duration=0.0)
            self._animation.repeat = True
            self._animation.start(self)

    def stop(self) -> None:
        if self._animation is not None:
            self._animation.cancel(self)
            self._animation = None

    def _redraw(self, *_: Any) -> None:
        s = style()
        card_w = min(self.width * 0.5, self.height * 0.9)
        card_h = card_w * 0.63
        slot_y = self.y + self.height * 0.12
        cx = self.center_x - card_w / 2
        top = self.top - card_h
        y = top - (top - slot_y) * self.travel
        self._card_colour.rgba = s.bg(Role.PRIMARY_BUTTON)
        self._card.pos, self._card.size = (cx, y), (card_w, card_h)
        self._chip.pos = (cx + card_w * 0.12, y + card_h * 0.4)
        self._chip.size = (card_w * 0.16, card_h * 0.22)
        self._slot_colour.rgba = s.fg(Role.BODY)
        self._slot.pos = (self.center_x - card_w * 0.6, slot_y - 8)
        self._slot.size = (card_w * 1.2, 16)
        # The part of the card already in the slot is hidden behind the front panel.
        if y < slot_y:
            self._card.size = (card_w, max(0.0, card_h - (slot_y - y)))
            self._card.pos = (cx, slot_y)


class IdleScreen(KioskScreen):
    screen = Screen.IDLE

    def build(self) -> None:
        self.title("idle.title", step=HERO, halign="center")
        self.text("idle.hint", step=LARGE, halign="center", role=Role.MUTED)
        self.animation = CardSlotAnimation()
        self.column.add_widget(self.animation)

    def on_enter(self, *_: Any) -> None:
        self.animation.start()

    def on_leave(self, *_: Any) -> None:
        self.animation.stop()

    def render(self, view: SessionView) -> None:
        pass


class ReadingScreen(KioskScreen):
    screen = Screen.READING

    def build(self) -> None:
        self.column.add_widget(spacer())
        self.title("reading.title", halign="center")
        self.progress = KProgress()
        self.column.add_widget(self.progress)
        self.text("reading.hint", step=LARGE, halign="center")
        self.column.add_widget(spacer())

    def render(self, view: SessionView) -> None:
        self.progress.value = view.progress


class IdentityScreen(KioskScreen):
    """Name, ID and photo while the citizen holds the card; the photo fills in when read.

    The ID is shown masked and the address hidden until the citizen asks to see them
    ("show", or the keypad's reveal key): people behind read neither (privacy, PDPA)."""

    screen = Screen.IDENTITY
    cancel_command = "finish"

    def build(self) -> None:
        self.heading = self.title("identity.title")
        gap = style().gap_px
        # Who the card belongs to opens the scroll area, which every citizen starts at the
        # top, so must_see() holds it in view: a name at the card's 100-byte limit wraps
        # across lines there instead of growing a fixed header over the title.
        self.fields: dict[str, KLabel] = {}
        self.labels: dict[str, KLabel] = {}
        self.column.add_widget(self._grid(("cid", "name")))
        self.revealed = False
        self._session: str | None = None
        self._ident: Any = None
        self.show_button = KButton(key="identity.show", role=Role.SECONDARY_BUTTON,
                                   action=self.reveal, size_hint_x=None, padding=(20, 4))
        self.show_button.bind(texture_size=self._fit_show, key=self._fit_show)
        show_row = BoxLayout(orientation="horizontal", size_hint_y=None)
        self.show_button.bind(height=show_row.setter("height"))
        show_row.add_widget(self.show_button)
        show_row.add_widget(Widget())
        self.column.add_widget(show_row)
        row = BoxLayout(orientation="horizontal", spacing=gap * 3, size_hint_y=None)
        self.photo = Image(size_hint_x=0.28, fit_mode="contain")
        drop_stencil(self.photo)  # contained: Kivy's clip would only cost drawing
        self.photo_note = KLabel(key="identity.photo_loading", role=Role.MUTED,
                                 halign="center", fit_height=False, size_hint_x=0.28)
        self.photo_box = BoxLayout(size_hint_x=0.28)
        row.add_widget(self.photo_box)
        # Top-aligned beside the photo: the birth date is read first, not mid-row.
        details = BoxLayout(orientation="vertical", spacing=gap, size_hint_y=None,
                            pos_hint={"top": 1})
        details.bind(minimum_height=details.setter("height"))
        details.add_widget(self._grid(("birth_date", "address", "card_expiry")))
        self.expired = KLabel(key="identity.card_expired", role=Role.WARNING,
                              draw_background=True, padding=(12, 8))
        details.add_widget(self.expired)
        row.add_widget(details)

        def fit(*_: Any) -> None:  # as tall as the details, or the photo at 297:356
            row.height = max(details.height, self.photo_box.width * 356 / 297)

        details.bind(height=fit)
        self.photo_box.bind(width=fit)
        self.column.add_widget(row)
        self.column.add_widget(spacer())
        self.button_row(KButton(key="common.finish", role=Role.SECONDARY_BUTTON,
                                action=lambda: self.send("finish")),
                        KButton(key="identity.continue", action=lambda: self.send("proceed")))
        self._photo_bytes: bytes | None = None
        style().follow(self._columns)
        self._columns()

    def _grid(self, names: tuple[str, ...]) -> GridLayout:
        gap = style().gap_px
        grid = GridLayout(cols=2, spacing=(gap * 3, gap), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for name in names:
            # Name and ID get the wider value column: a long name then wraps in fewer lines.
            share = 0.24 if name in ("name", "cid") else 0.36
            label = KLabel(key=f"identity.{name}", role=Role.MUTED, size_hint_x=share)
            self.labels[name] = label
            grid.add_widget(label)
            value = KLabel(bold=name in ("name", "cid"), step=LARGE if name == "name" else 1.0,
                           size_hint_x=1 - share, whole_words=name in ("name", "cid"))
            self.fields[name] = value
            grid.add_widget(value)
        return grid

    def must_see(self) -> list[Widget]:
        return [*super().must_see(), self.fields["name"], self.fields["cid"]]

    def _columns(self, *_: Any) -> None:
        large = style().large_text
        self.photo_box.size_hint_x = 0.16 if large else 0.2
        # Large text already enlarges the name, and a name near the card's 100-byte limit
        # stays body size: a further step would push the ID below the fold.
        long_name = len(self.fields["name"].raw or "") > 40
        self.fields["name"].step = 1.0 if large or long_name else LARGE
        # Large text and a name near that limit: the name and the ID speak for themselves
        # (the step bar says "check details"); the title and their labels would push the
        # name below the fold.
        bare = large and long_name
        self.heading.key = "" if bare else "identity.title"
        for name in ("cid", "name"):
            self.labels[name].key = "" if bare else f"identity.{name}"
            self.labels[name].size_hint_x = 0.001 if bare else 0.24
            self.fields[name].size_hint_x = 0.999 if bare else 0.76

    def _fit_show(self, *_: Any) -> None:
        """As wide as its words on one line (never wrapped inside a word)."""
        b = self.show_button
        words = _measurer(b.font_name, int(b.font_size))(b.source_text())
        width = min(self.column.width or 10_000, words + b.padding[0] + b.padding[2] + 4)
        if abs(b.width - width) > 1:
            b.width = width

    def reveal(self) -> None:
        """Show the ID and address, or mask them again."""
        self.revealed = not self.revealed
        self.show_button.key = "identity.hide" if self.revealed else "identity.show"
        if self._ident is not None:
            self._show_private(self._ident)

    def _show_private(self, ident: Any) -> None:
        self.fields["cid"].raw = ident.cid_display if self.revealed else ident.cid_masked
        self.fields["address"].key = "" if self.revealed else "identity.address_hidden"
        self.fields["address"].raw = ident.address if self.revealed else ""
        self.fields["address"].role = Role.BODY if self.revealed else Role.MUTED

    def render(self, view: SessionView) -> None:
        ident = view.identity
        if ident is None:
            return
        if view.session_id != self._session:  # each citizen starts masked
            self._session = view.session_id
            self.revealed = False
            self.show_button.key = "identity.show"
        self._ident = ident
        english = view.language == "en"
        name = ident.name_en if english and ident.name_en else ident.name_th
        self.fields["name"].raw = name
        self._columns()
        self._show_private(ident)
        self.fields["birth_date"].raw = ident.birth_date.pick(view.language)
        self.fields["card_expiry"].raw = ident.card_expiry.pick(view.language)
        self.expired.key = "identity.card_expired" if ident.card_expired else ""
        self.expired.draw_background = ident.card_expired
        self.photo_note.key = ident.photo_problem or "identity.photo_loading"
        self._show_photo(ident.photo)

    def _show_photo(self, photo: bytes | None) -> None:
        if photo is self._photo_bytes and self.photo_box.children:
            return
        self._photo_bytes = photo
        self.photo_box.clear_widgets()
        if photo is None:
            self.photo_box.add_widget(self.photo_note)
            return
        try:
            texture = photo_texture(photo)
        except Exception:  # a corrupt photo must not block the session: show the note
            self.photo_box.add_widget(self.photo_note)
            return
        self.photo.texture = texture
        self.photo_box.add_widget(self.photo)


class TakeCardScreen(KioskScreen):
    screen = Screen.TAKE_CARD

    def build(self) -> None:
        self.column.add_widget(spacer())
        self.title("take_card.title", step=HERO, halign="center", role=Role.WARNING,
                   draw_background=True, padding=(16, 24))
        self.text("take_card.hint", step=LARGE, halign="center")
        self.column.add_widget(spacer())

    def render(self, view: SessionView) -> None:
        pass
