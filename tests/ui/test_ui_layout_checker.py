"""The layout checker over every session screen × content case × display variant.

Screens come from the engine's `Screen` enum (a new state is covered by default); content
from the seeds' extremes (`kiosk.ui.layout_cases`). Pictures: ``make demo`` leaves the
contact sheet; set LAYOUT_SHEET=1 to write it here too (test-artifacts/ui/layout/).
"""

from __future__ import annotations

import os

from kivy.base import EventLoop
from uikit_driver import ARTIFACTS
from uikit_feeder import ViewFeeder

from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.contact_sheet import run_matrix, write_index
from kiosk.ui.layout_cases import VARIANTS, build_cases
from kiosk.ui.widgets import load_segmenter


def test_every_screen_and_variant_lays_out_cleanly(kiosk_app: KioskApp,
                                                  feeder: ViewFeeder) -> None:
    load_segmenter().join(30)
    cases = build_cases()
    assert {c.screen for c in cases} == set(Screen)
    out = ARTIFACTS / "layout" if os.environ.get("LAYOUT_SHEET") else None
    matrix = run_matrix(kiosk_app, EventLoop.idle, out_dir=out, cases=cases)
    assert len(matrix.shots) == len(cases) * len(VARIANTS)
    if out is not None:
        write_index(matrix, out)
    assert not matrix.faults, "\n".join(matrix.faults)
