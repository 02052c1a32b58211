"""One screen for the lists: failed print jobs, dead outbox items, printer profiles, log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.maintenance.actions import ActionResult
from kiosk.ui.maintenance.common import SMALL, MaintenanceScreen, button
from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel

LIST_SCREEN = "maint_list"


class ListScreen(MaintenanceScreen):
    def __init__(self, controller: Any, **kwargs: Any) -> None:
        super().__init__(controller, LIST_SCREEN, **kwargs)
        self.heading = self.title("")
        self.result = self.line("", role=Role.MUTED)
        scroll = ScrollView(do_scroll_x=False)
        self.items = BoxLayout(orientation="vertical", size_hint_y=None,
                               spacing=style().gap_px)
        self.items.bind(minimum_height=self.items.setter("height"))
        scroll.add_widget(self.items)
        self.column.add_widget(scroll)
        self.back = button("Back", self.go_back, role=Role.PRIMARY_BUTTON)
        self.row(self.back)
        self.kind = ""
        self._reload: Callable[[], None] = lambda: None

    def keypad_cancel(self) -> None:
        self.go_back()

    def go_back(self) -> None:
        self.controller.app.show_screen(self.controller.menu_screen.name)
        self.controller.refresh_now()

    def _open(self, kind: str, heading: str, reload: Callable[[], None]) -> None:
        self.kind = kind
        self.heading.raw = heading
        self.result.raw = ""
        self.items.clear_widgets()
        self.items.add_widget(KLabel(raw="Loading…", role=Role.MUTED, step=SMALL))
        self._reload = reload
        self.controller.app.show_screen(self.name)
        reload()

    def _entry(self, text: str, *buttons: KButton) -> None:
        self.items.add_widget(KLabel(raw=text, step=SMALL))
        if buttons:
            self.row(*buttons, parent=self.items)

    def _after(self, result: ActionResult) -> None:
        self.result.raw = result.summary
        self.result.role = Role.SUCCESS if result.ok else Role.ERROR
        self._reload()

    def _do(self, work: Callable[[], ActionResult]) -> None:
        self.result.raw = "Working…"
        self.result.role = Role.MUTED
        self.controller.run(work, self._after)

    def _fill(self, empty: str, entries: Callable[[Any], None]) -> Callable[[Any], None]:
        def fill(found: Any) -> None:
            self.items.clear_widgets()
            if not found:
                self.items.add_widget(KLabel(raw=empty, role=Role.MUTED, step=SMALL))
            else:
                entries(found)
        return fill

    # -- the four lists -----------------------------------------------------------------------

    def show_jobs(self) -> None:
        m = self.controller.maintenance

        def entries(jobs: Any) -> None:
            for job in jobs:
                self._entry(f"{job.job_id}  {job.kind}  {job.state.value}  "
                            f"attempts {job.attempts}  {job.error_reason or ''}",
                            button("Reprint", lambda j=job.job_id: self._do(
                                lambda: m.reprint(j)), role=Role.PRIMARY_BUTTON))

        self._open("jobs", "Failed print jobs", lambda: self.controller.run(
            m.failed_print_jobs, self._fill("No failed print jobs.", entries)))

    def show_dead(self) -> None:
        m = self.controller.maintenance

        def entries(dead: Any) -> None:
            for item in dead:
                self._entry(f"{item.reference}  {item.kind.value}  attempts {item.attempts}\n"
                            f"reason: {item.reason or 'unknown'}",
                            button("Retry", lambda i=item.item_id: self._do(
                                lambda: m.retry_dead(i)), role=Role.PRIMARY_BUTTON),
                            button("Discard", lambda i=item.item_id: self._do(
                                lambda: m.discard_dead(i)), role=Role.ERROR))

        self._open("dead", "Outbox dead items", lambda: self.controller.run(
            m.dead_items, self._fill("No dead items.", entries)))

    def show_profiles(self) -> None:
        m = self.controller.maintenance

        def entries(names: Any) -> None:
            current = m.printing.profile.name if m.printing is not None else ""
            for name in names:
                mark = "  (in use)" if name == current else ""
                self._entry(f"{name}{mark}", button("Use", lambda n=name: self._do(
                    lambda: m.switch_printer_profile(n))))

        self._open("profiles", "Printer profile", lambda: self.controller.run(
            m.printer_profiles, self._fill("No printer profiles.", entries)))

    def show_log(self) -> None:
        m = self.controller.maintenance

        def entries(lines: Any) -> None:
            self.items.add_widget(KLabel(raw="\n".join(lines[-60:]), step=SMALL))

        self._open("log", "Recent log (personal data removed)", lambda: self.controller.run(
            lambda: m.recent_log(200), self._fill("The log is empty.", entries)))
