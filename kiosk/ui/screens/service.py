"""Screens of the service part of a session: consent, menu, running, result, print, done."""

from __future__ import annotations

from typing import Any

from kivy.uix.gridlayout import GridLayout

from kiosk.session.view import MenuEntry, PrintStatus, ResultView, Screen, SessionView
from kiosk.ui.icons import DEFAULT_SERVICE_ICON, SERVICE_ICONS
from kiosk.ui.keymap import Action, KeyPress
from kiosk.ui.progress import KProgress
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.service_tile import ServiceTile
from kiosk.ui.style import HERO, LARGE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, spacer

_STATUS_ROLE = {"ok": Role.SUCCESS, "partial": Role.WARNING, "queued": Role.WARNING,
                "failed": Role.ERROR}


_PLAIN_ENDS = frozenset({"session.take_card", "session.take_card_and_receipt",
                         "printer.unconfirmed"})
"""End messages the finished screen already says in other words."""


class ConsentScreen(KioskScreen):
    """A short notice and the services in words fit one screen; "read more" shows it all."""

    screen = Screen.CONSENT
    cancel_command = "decline"

    def on_keypad(self, press: KeyPress) -> bool:
        """Cancel first closes the full notice (one step back), then declines."""
        if press.action is Action.CANCEL and self.notice.raw:
            self._toggle()
            return True
        return False

    def build(self) -> None:
        self.title("consent.title")
        self.text("consent.summary")
        self.services = self.text()
        self.read_more = KButton(key="consent.read_more", role=Role.SECONDARY_BUTTON,
                                 action=self._toggle, padding=(24, 2))
        self.column.add_widget(self.read_more)
        self.notice = self.text()
        self.button_row(
            KButton(key="consent.decline", role=Role.SECONDARY_BUTTON,
                    action=lambda: self.send("decline")),
            KButton(key="consent.agree", action=lambda: self.send("give_consent")),
        )
        self._full = ""
        self._session: str | None = None

    def _toggle(self) -> None:
        opened = not self.notice.raw
        self.notice.raw = self._full if opened else ""
        self.read_more.key = "consent.read_less" if opened else "consent.read_more"

    def render(self, view: SessionView) -> None:
        if view.consent_text is not None:
            self._full = view.consent_text.pick(view.language)
        else:
            self._full = style().tr("consent.notice")
        if view.session_id != self._session:  # each citizen starts with the short notice
            self._session = view.session_id
            self.notice.raw = ""
            self.read_more.key = "consent.read_more"
        elif self.notice.raw:
            self.notice.raw = self._full
        names = [n.pick(view.language) for n in view.consent_names] or [
            next((e.name.pick(view.language) for e in view.menu if e.service_id == s), s)
            for s in view.consent_services]
        self.services.raw = f"{style().tr('consent.services')}: {' · '.join(names)}"


class MenuScreen(KioskScreen):
    """Five services fit without scrolling in normal text (two columns of tiles: icon,
    bold name, one line of description); large text is one column that scrolls, with the
    "more below" cue. The offline banner says which services still work (`KioskApp`)."""

    screen = Screen.MENU
    cancel_command = "finish"

    def build(self) -> None:
        # No title: the step bar's highlighted "4 Choose a service" says it, and the room
        # (its empty header row too) lets five services fit without scrolling.
        self.frame.remove_widget(self.header)
        gap = style().gap_px
        self.frame.padding = (gap * 4, gap, gap * 4, gap * 2)
        # Offline, the banner names the services that still work; only when none does,
        # this note gives the next step (ask at the counter). Out of the column otherwise:
        # even empty, its row and spacing would push the last row below the fold.
        self.offline_note = KLabel(role=Role.WARNING, draw_background=True, padding=(16, 8))
        self.grid = GridLayout(cols=2, spacing=(gap * 2, gap), size_hint_y=None)
        self.grid.bind(minimum_height=self.grid.setter("height"))
        self.column.add_widget(self.grid)
        style().follow(self._columns)
        self._columns()
        self.button_row(KButton(key="common.finish", role=Role.SECONDARY_BUTTON,
                                action=lambda: self.send("finish")))
        self._shown: tuple[tuple[MenuEntry, ...], str, bool] | None = None

    def tiles(self) -> list[ServiceTile]:
        return [t for t in reversed(self.grid.children) if isinstance(t, ServiceTile)]

    def must_see(self) -> list[Any]:
        """In normal text every service is seen without scrolling, not only the actions."""
        return [*super().must_see(), *([] if style().large_text else self.tiles())]

    def _columns(self, *_: Any) -> None:
        """Two columns of tiles; one in large text, so no tile text is squeezed."""
        self.grid.cols = 1 if style().large_text else 2

    def render(self, view: SessionView) -> None:
        state = (view.menu, view.language, view.offline)
        if state == self._shown:
            return  # rebuilding buttons on every countdown tick would stall the frame
        self._shown = state
        none_working = view.offline and not any(e.available for e in view.menu)
        self.offline_note.key = "menu.offline_none" if none_working else ""
        if none_working and self.offline_note.parent is None:
            self.column.add_widget(self.offline_note, index=len(self.column.children))
        elif not none_working and self.offline_note.parent is not None:
            self.column.remove_widget(self.offline_note)
        self.grid.clear_widgets()
        for entry in view.menu:
            tile = self._entry_tile(entry, view)
            tile.bind(texture_size=self._even_heights)
            self.grid.add_widget(tile)
        self._even_heights()

    def _even_heights(self, *_: Any) -> None:
        """Every service tile as tall as the tallest: a calm grid, equal targets."""
        tiles = list(self.grid.children)
        if not tiles:
            return
        # Kivy's texture already holds the padding (the layout checker's "clipped" test
        # compares the two): adding it again made every tile a line taller.
        tallest = max(max(style().target_px, t.texture_size[1]) for t in tiles)
        for tile in tiles:
            tile.height = tallest

    def _entry_tile(self, entry: MenuEntry, view: SessionView) -> ServiceTile:
        service_id = entry.service_id
        return ServiceTile(entry.name.pick(view.language), tile_line(entry, view),
                           enabled=entry.available, role=Role.PRIMARY_BUTTON,
                           icon=SERVICE_ICONS.get(service_id, DEFAULT_SERVICE_ICON),
                           action=lambda: self.send("choose_service", service_id),
                           item_key=f"service.{service_id}")


_TILE_REASONS = {
    "service.unavailable_offline": "menu.tile.unavailable_offline",
    "service.unavailable_printer": "menu.tile.unavailable_printer",
    "service.unavailable_storage": "menu.tile.unavailable_storage",
    "holder.unavailable": "menu.tile.holder_unavailable",
}
"""A tile has one line: the short form of a reason whose full sentence is longer."""


def tile_line(entry: MenuEntry, view: SessionView) -> str:
    """The tile's one line: why it is unavailable, the ThaID mark, offline, or its help."""
    tr = style().tr
    if not entry.available:
        key = entry.reason_key or "menu.unavailable"
        short = _TILE_REASONS.get(key, key)
        return tr(short if tr.has(short) else key)
    if entry.asks_holder:
        return tr("menu.tile.asks_holder")  # this one asks for the ThaID app first
    if entry.queueable and view.offline:
        return tr("menu.queued_offline")
    return entry.help.pick(view.language)


class RunningScreen(KioskScreen):
    screen = Screen.RUNNING

    def build(self) -> None:
        self.column.add_widget(spacer())
        self.title("running.title", halign="center")
        self.progress = KProgress()
        self.column.add_widget(self.progress)
        self.detail = self.text(halign="center", role=Role.MUTED)
        self.column.add_widget(spacer())

    def render(self, view: SessionView) -> None:
        self.progress.value = view.progress
        self.detail.key = view.progress_key or ""


class ResultScreen(KioskScreen):
    screen = Screen.RESULT
    cancel_command = "back"

    def build(self) -> None:
        self.heading = self.title()
        # A queue ticket's number and next step sit in the fixed header: never scrolled.
        self.ticket_number = KLabel(step=HERO, bold=True, halign="center",
                                    follows_large_text=False)  # already the largest
        self.ticket_hint = KLabel(step=LARGE, halign="center")
        self.header.add_widget(self.ticket_number)
        self.header.add_widget(self.ticket_hint)
        self.status = self.text(draw_background=True, padding=(16, 8))
        self.reference = self.text(bold=True)
        self.message = self.text()
        gap = style().gap_px
        self.rows = GridLayout(cols=2, spacing=(gap * 3, gap), size_hint_y=None)
        self.rows.bind(minimum_height=self.rows.setter("height"))
        self.column.add_widget(self.rows)
        self.print_button = KButton(key="result.print", action=lambda: self.send("print_result"))
        self.button_row(
            KButton(key="common.finish", role=Role.SECONDARY_BUTTON,
                    action=lambda: self.send("finish")),
            KButton(key="common.back_to_menu", role=Role.SECONDARY_BUTTON,
                    action=lambda: self.send("back")),
            self.print_button,
        )
        self._shown: tuple[ResultView, str] | None = None

    def must_see(self) -> list[Any]:
        extra = [self.ticket_number, self.ticket_hint] if self.ticket_number.text else []
        return [*super().must_see(), *extra]

    def render(self, view: SessionView) -> None:
        result = view.result
        if result is None:
            return
        lang = view.language
        ticket = result.message_key == "ticket.wait"
        self.heading.raw = "" if ticket else result.title.pick(lang)  # "Ticket A-042" says it
        # A ticket needs no "done" bar nor a row repeating its number: the number and the
        # next step fill the screen instead.
        self.status.key = "" if ticket else f"result.status.{result.status}"
        self.status.role = _STATUS_ROLE.get(result.status, Role.WARNING)
        # A queue number is the largest thing on its screen, with what to do next under it.
        self.ticket_number.key = "ticket.number" if ticket else ""
        self.ticket_number.fields = {"reference": result.reference or ""}
        self.ticket_hint.key = "ticket.wait" if ticket else ""
        if ticket:
            self.message.key, self.message.raw = "", ""
        elif result.message_text is not None:
            self.message.key, self.message.raw = "", result.message_text.pick(lang)
        else:
            self.message.key, self.message.raw = result.message_key or "", ""
        if result.reference and not ticket:
            self.reference.key = "result.reference"
            self.reference.fields = {"reference": result.reference}
        else:
            self.reference.key = ""
        can_print = result.printable and view.printer_ready
        self.print_button.enabled = can_print
        # The printer banner says why; the button stays short and the same size.
        self.print_button.key = "result.print" if can_print or not result.printable \
            else "result.printer_unavailable"
        self.print_button.opacity = 1 if result.printable else 0
        self.print_button.disabled = not result.printable
        if self._shown != (result, lang):
            self._shown = (result, lang)
            self.rows.clear_widgets()
            for row in () if ticket else result.rows:
                self.rows.add_widget(KLabel(raw=row.label.pick(lang), role=Role.MUTED,
                                            size_hint_x=0.35))
                self.rows.add_widget(KLabel(raw=row.value, bold=row.emphasis, size_hint_x=0.65))


class PrintingScreen(KioskScreen):
    screen = Screen.PRINTING

    def build(self) -> None:
        self.column.add_widget(spacer())
        self.title("printing.title", halign="center")
        self.progress = KProgress()
        self.column.add_widget(self.progress)
        self.text("printing.hint", step=LARGE, halign="center")
        self.column.add_widget(spacer())

    def render(self, view: SessionView) -> None:
        self.progress.value = view.progress


class FinishedScreen(KioskScreen):
    screen = Screen.FINISHED

    def build(self) -> None:
        self.title("finished.title", halign="center")
        self.column.add_widget(spacer())
        self.reason = self.text(step=LARGE, halign="center")
        self.text("finished.take_card", step=HERO, bold=True, halign="center")
        self.text("finished.card_slot", step=LARGE, halign="center")
        self.print_note = self.text(step=LARGE, halign="center", draw_background=True,
                                    padding=(16, 8))
        self.column.add_widget(spacer())

    def render(self, view: SessionView) -> None:
        # Why the session ended (declined, timed out, …); a plain finish needs no reason.
        key = view.progress_key or ""
        self.reason.key = "" if key in _PLAIN_ENDS else key
        status = view.print_status
        if status is PrintStatus.PRINTED:
            self.print_note.key, self.print_note.role = "finished.print.printed", Role.BODY
        elif status is PrintStatus.UNCONFIRMED:
            # Not an error, not a success: ask the citizen to look (never "take your receipt").
            self.print_note.key, self.print_note.role = "finished.print.unconfirmed", Role.BODY
        elif status in (PrintStatus.PAPER_OUT, PrintStatus.FAILED):
            self.print_note.key = f"finished.print.{status.value}"
            self.print_note.role = Role.ERROR
        else:
            self.print_note.key = ""
