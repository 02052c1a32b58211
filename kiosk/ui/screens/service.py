"""Screens of the service part of a session: consent, menu, running, result, print, done."""

from __future__ import annotations

from typing import Any

from kivy.uix.gridlayout import GridLayout

from kiosk.session.view import MenuEntry, PrintStatus, ResultView, Screen, SessionView
from kiosk.ui.icons import DEFAULT_SERVICE_ICON, SERVICE_ICONS
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.style import HERO, LARGE, style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, KProgress, spacer

_STATUS_ROLE = {"ok": Role.SUCCESS, "partial": Role.WARNING, "queued": Role.WARNING,
                "failed": Role.ERROR}


_PLAIN_ENDS = frozenset({"session.take_card", "session.take_card_and_receipt",
                         "printer.unconfirmed"})
"""End messages the finished screen already says in other words."""


class ConsentScreen(KioskScreen):
    """A short notice and the services in words fit one screen; "read more" shows it all."""

    screen = Screen.CONSENT

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
    screen = Screen.MENU

    def build(self) -> None:
        # No title: the step bar's highlighted "4 Choose a service" says it, and the room
        # lets five services fit without scrolling.
        self.offline_note = self.text(role=Role.WARNING, draw_background=True, padding=(16, 8))
        gap = style().gap_px * 2
        self.grid = GridLayout(cols=2, spacing=gap, size_hint_y=None)
        self.grid.bind(minimum_height=self.grid.setter("height"))
        self.column.add_widget(self.grid)
        style().follow(self._columns)
        self._columns()
        self.button_row(KButton(key="common.finish", role=Role.SECONDARY_BUTTON,
                                action=lambda: self.send("finish")))
        self._shown: tuple[tuple[MenuEntry, ...], str, bool] | None = None

    def _columns(self, *_: Any) -> None:
        """Two columns of tiles; one in large text, so no tile text is squeezed."""
        self.grid.cols = 1 if style().large_text else 2

    def render(self, view: SessionView) -> None:
        state = (view.menu, view.language, view.offline)
        if state == self._shown:
            return  # rebuilding buttons on every countdown tick would stall the frame
        self._shown = state
        working = [e.name.pick(view.language) for e in view.menu if e.available]
        if view.offline:  # say which services still work, not only that some do not
            self.offline_note.key = "menu.offline_working" if working else "menu.offline_none"
            self.offline_note.fields = {"services": ", ".join(working)}
        else:
            self.offline_note.key = ""
        self.grid.clear_widgets()
        for entry in view.menu:
            button = self._entry_button(entry, view)
            button.bind(texture_size=self._even_heights)
            self.grid.add_widget(button)
        self._even_heights()

    def _even_heights(self, *_: Any) -> None:
        """Every service button as tall as the tallest: a calm grid, equal targets."""
        buttons = list(self.grid.children)
        if not buttons:
            return
        # Kivy's texture already holds the padding (the layout checker's "clipped" test
        # compares the two): adding it again made every tile a line taller.
        tallest = max(max(style().target_px, b.texture_size[1]) for b in buttons)
        for button in buttons:
            button.height = tallest

    def _entry_button(self, entry: MenuEntry, view: SessionView) -> KButton:
        tr = style().tr
        lines = [entry.name.pick(view.language)]
        if not entry.available:
            lines.append(tr(entry.reason_key) if entry.reason_key else tr("menu.unavailable"))
        elif entry.asks_holder:
            lines.append(tr("holder.asks"))  # this one asks for the ThaID app first
        elif entry.queueable and view.offline:
            lines.append(tr("menu.queued_offline"))
        elif entry.help.pick(view.language):
            lines.append(entry.help.pick(view.language))
        service_id = entry.service_id
        return KButton(raw="\n".join(lines), enabled=entry.available, halign="left",
                       role=Role.PRIMARY_BUTTON, fit_height=False, size_hint_y=None,
                       icon=SERVICE_ICONS.get(service_id, DEFAULT_SERVICE_ICON),
                       padding=(20, 8),
                       action=lambda: self.send("choose_service", service_id))


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
