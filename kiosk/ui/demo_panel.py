"""The demo-only side panel: insert/remove a seed citizen's card, answer the ThaID QR on the
citizen's phone (as the holder, as someone else, or not at all), cut the network, run the
printer out of paper, look at the last printed receipt. Shown only with ``ui.demo_panel``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView

from kiosk.ui.demo_controls import DemoControls
from kiosk.ui.style import style
from kiosk.ui.theme import Role
from kiosk.ui.widgets import KButton, KLabel, Panel

log = logging.getLogger(__name__)

RunOffMain = Callable[..., Future[Any]]


class DemoPanel(Panel):
    def __init__(self, controls: DemoControls, run_off_main: RunOffMain, **kwargs: Any) -> None:
        gap = style().gap_px
        super().__init__(orientation="vertical", role=Role.TOOLBAR, padding=gap,
                         spacing=gap, **kwargs)
        self.controls = controls
        self.run_off_main = run_off_main
        self.network_up = True
        self.paper_in = True
        self.add_widget(KLabel(key="demo.title", role=Role.TOOLBAR, bold=True))
        scroll = ScrollView(do_scroll_x=False)
        self.citizen_list = BoxLayout(orientation="vertical", size_hint_y=None, spacing=gap)
        self.citizen_list.bind(minimum_height=self.citizen_list.setter("height"))
        scroll.add_widget(self.citizen_list)
        self.add_widget(scroll)
        self.remove = KButton(key="demo.remove", role=Role.SECONDARY_BUTTON,
                              action=lambda: self._off_main(controls.remove_card))
        self.network = KButton(key="demo.network_cut", role=Role.SECONDARY_BUTTON,
                               action=self.toggle_network)
        self.paper = KButton(key="demo.paper_out", role=Role.SECONDARY_BUTTON,
                             action=self.toggle_paper)
        self.receipt = KButton(key="demo.last_receipt", role=Role.SECONDARY_BUTTON,
                               action=self.show_last_receipt)
        self.phone = KButton(key="demo.phone", role=Role.SECONDARY_BUTTON,
                             action=self.open_phone)
        for button in (self.remove, self.phone, self.network, self.paper, self.receipt):
            self.add_widget(button)
        self._off_main(controls.citizens).add_done_callback(
            lambda f: Clock.schedule_once(lambda _dt: self._fill_citizens(f)))

    def open_phone(self) -> ModalView:
        """The citizen's phone with ThaID: approve the QR on screen as this citizen, as
        someone else, or do nothing (one popup keeps the panel short)."""
        view = ModalView(size_hint=(0.5, None))
        gap = style().gap_px
        box = Panel(orientation="vertical", role=Role.PANEL, padding=gap, spacing=gap)
        box.bind(minimum_height=view.setter("height"))  # as tall as its buttons
        box.add_widget(KLabel(key="demo.phone", role=Role.PANEL, bold=True))

        def answer(mode: str) -> None:
            view.dismiss()
            self._off_main(self.controls.approve_on_phone, mode)

        for mode in ("holder", "other", "none"):
            box.add_widget(KButton(key=f"demo.phone_{mode}",
                                   action=lambda m=mode: answer(m)))
        box.add_widget(KButton(key="demo.close", role=Role.SECONDARY_BUTTON,
                               action=view.dismiss))
        view.add_widget(box)
        view.open()
        return view

    def _off_main(self, func: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.run_off_main(func, *args)
        future.add_done_callback(self._log_failure)
        return future

    @staticmethod
    def _log_failure(future: Future[Any]) -> None:
        if future.exception() is not None:
            log.warning("demo panel: control failed: %s", future.exception())

    def _fill_citizens(self, future: Future[Any]) -> None:
        if future.exception() is not None:
            return
        for key, label in future.result():
            self.citizen_list.add_widget(KButton(
                raw=label, halign="left",
                action=lambda k=key: self._off_main(self.controls.insert_card, k)))

    def toggle_network(self) -> None:
        self.network_up = not self.network_up
        self.network.key = "demo.network_cut" if self.network_up else "demo.network_restore"
        self._off_main(self.controls.set_network, self.network_up)

    def toggle_paper(self) -> None:
        self.paper_in = not self.paper_in
        self.paper.key = "demo.paper_out" if self.paper_in else "demo.paper_in"
        self._off_main(self.controls.set_paper, self.paper_in)

    def show_last_receipt(self) -> None:
        def load() -> bytes | None:
            path = self.controls.last_receipt()
            return path.read_bytes() if path is not None else None

        future = self.run_off_main(load)
        future.add_done_callback(lambda f: Clock.schedule_once(lambda _dt: self._popup(f)))

    def _popup(self, future: Future[Any]) -> None:
        data = None if future.exception() is not None else future.result()
        view = ModalView(size_hint=(0.5, 0.95))
        box = Panel(orientation="vertical", role=Role.PANEL, padding=style().gap_px)
        if data is None:
            box.add_widget(KLabel(key="demo.no_receipt", role=Role.PANEL))
        else:
            import io

            box.add_widget(Image(texture=CoreImage(io.BytesIO(data), ext="png").texture,
                                 fit_mode="contain"))
        box.add_widget(KButton(key="demo.close", action=view.dismiss))
        view.add_widget(box)
        view.open()
