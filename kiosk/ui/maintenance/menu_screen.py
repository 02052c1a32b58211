"""Health at a glance (refreshed live) and the technician's actions."""

from __future__ import annotations

from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView

from kiosk.maintenance.actions import ActionResult
from kiosk.maintenance.health import HealthReport
from kiosk.ui.maintenance.common import SMALL, STATUS_ROLE, MaintenanceScreen, button
from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KLabel

MENU_SCREEN = "maint_menu"
LABELS = {
    "card_reader": "Card reader", "printer": "Printer", "linkage": "Linkage Center",
    "outbox": "Outbox", "disk": "Disk space", "version": "Software", "uptime": "Uptime",
    "vpcd": "Virtual reader", "outbox_loss": "Outbox loss",
}


class MenuScreen(MaintenanceScreen):
    def __init__(self, controller: Any, **kwargs: Any) -> None:
        super().__init__(controller, MENU_SCREEN, **kwargs)
        self.title("Maintenance")
        gap = style().gap_px
        scroll = ScrollView(do_scroll_x=False)
        self.health_box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=gap // 2)
        self.health_box.bind(minimum_height=self.health_box.setter("height"))
        scroll.add_widget(self.health_box)
        self.column.add_widget(scroll)
        self.rows: dict[str, tuple[KLabel, KLabel]] = {}
        self.waiting = self.line("Checking health…", role=Role.MUTED)
        self.result = self.line("", role=Role.MUTED)
        c = controller
        actions = GridLayout(cols=4, spacing=gap, size_hint_y=None)
        actions.bind(minimum_height=actions.setter("height"))
        self.buttons = {
            "test_card_read": button("Test card read", self.test_card_read),
            "test_print": button("Test print", self.test_print),
            "print_jobs": button("Failed prints", lambda: c.list_screen.show_jobs()),
            "dead_items": button("Outbox dead items", lambda: c.list_screen.show_dead()),
            "profiles": button("Printer profile", lambda: c.list_screen.show_profiles()),
            "log": button("Recent log", lambda: c.list_screen.show_log()),
            "diagnostics": button("Export diagnostics", self.export),
            "restart": button("Restart app", self.restart, role=Role.WARNING),
        }
        for b in self.buttons.values():
            actions.add_widget(b)
        self.column.add_widget(actions)
        self.leave_button = button("Leave maintenance", controller.leave,
                                   role=Role.PRIMARY_BUTTON)
        self.row(self.leave_button)

    def show_report(self, report: HealthReport) -> None:
        self.waiting.raw = ""
        for item in report.items:
            if item.key not in self.rows:
                badge = KLabel(raw="", step=SMALL, bold=True, draw_background=True,
                               size_hint_x=0.12, halign="center", fit_height=False)
                text = KLabel(raw="", step=SMALL, size_hint_x=0.88, fit_height=False)
                line = BoxLayout(orientation="horizontal", size_hint_y=None,
                                 spacing=style().gap_px)
                line.add_widget(badge)
                line.add_widget(text)
                text.bind(texture_size=lambda w, size, line=line: setattr(
                    line, "height", max(size[1] + 8, style().target_px * 0.6)))
                self.health_box.add_widget(line)
                self.rows[item.key] = (badge, text)
            badge, text = self.rows[item.key]
            badge.raw = item.status.value.upper()
            badge.role = STATUS_ROLE[item.status.value]
            text.raw = f"{LABELS.get(item.key, item.key)}: {item.summary}"

    def show_result(self, ok: bool, text: str) -> None:
        self.result.raw = text
        self.result.role = Role.SUCCESS if ok else Role.ERROR

    def show_action(self, result: ActionResult) -> None:
        self.show_result(result.ok, result.summary)
        self.controller.refresh_now()

    def _start(self, what: str, work: Any) -> None:
        self.result.raw = f"{what}…"
        self.result.role = Role.MUTED
        self.controller.run(work, self.show_action)

    def test_card_read(self) -> None:
        self._start("Reading the card", self.controller.maintenance.test_card_read)

    def test_print(self) -> None:
        self._start("Printing a test receipt", self.controller.maintenance.test_print)

    def export(self) -> None:
        target = self.controller.maintenance.diagnostics_dir()
        self._start("Writing diagnostics",
                    lambda: self.controller.maintenance.export_diagnostics(target))

    def restart(self) -> None:
        self._start("Restarting", self.controller.maintenance.restart_app)
