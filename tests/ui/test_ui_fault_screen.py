"""The fault screen itself (`kiosk.ui.fault.FaultScreen`): its layout in Thai and English,
large text and high contrast, with the keypad focus (pictures in test-artifacts/ui/fault/),
and the bare fallback it keeps for when even its styled text fails."""

from __future__ import annotations

from typing import Any

from kivy.base import EventLoop
from uikit_driver import ARTIFACTS, texts

from kiosk.session.view import Screen
from kiosk.ui.app import KioskApp
from kiosk.ui.contact_sheet import FOCUS_VARIANTS, run_matrix, write_index
from kiosk.ui.fault import FAULT_SCREEN
from kiosk.ui.layout_cases import VARIANTS, Case
from kiosk.ui.widgets import load_segmenter

S = Screen


FAULT_CASES = [
    Case(S.FINISHED, "fault", {"fault_ref": "F-0a1b2c3d", "progress_key": "session.fault"}),
    # A fault with no card in (idle): the no-card message, not "take your card".
    Case(S.IDLE, "fault_no_card", {"fault_ref": "F-0a1b2c3d"}),
    Case(S.OUT_OF_SERVICE, "faults", {"fault_ref": "F-0a1b2c3d",
                                      "progress_key": "session.out_of_service_faults"}),
]


def test_the_fault_screen_lays_out_cleanly_in_every_variant(kiosk_app: KioskApp,
                                                            feeder: Any) -> None:
    """Thai and English, large text, high contrast, and with the keypad focus: the layout
    checker finds nothing; the pictures are in test-artifacts/ui/fault/."""
    load_segmenter().join(30)
    out = ARTIFACTS / "fault"
    matrix = run_matrix(kiosk_app, EventLoop.idle, out_dir=out, cases=FAULT_CASES,
                        focus_variants=FOCUS_VARIANTS)
    assert len(matrix.shots) == len(FAULT_CASES) * (len(VARIANTS) + len(FOCUS_VARIANTS))
    write_index(matrix, out)
    assert not matrix.faults, "\n".join(matrix.faults)
    assert kiosk_app.manager.current == FAULT_SCREEN
    shown = texts(kiosk_app.manager.current_screen)
    assert "F-0a1b2c3d" in shown


def test_the_fault_screen_falls_back_to_a_bare_label(kiosk_app: KioskApp) -> None:
    """If even its styled text fails, the fault screen still says it in both languages."""
    from kivy.uix.label import Label

    from kiosk.session.messages import MESSAGES
    from kiosk.ui.fault import FaultScreen

    screen = FaultScreen(lambda *_: None)  # not registered: the app's own stays as it is
    screen.show_bare("F-0a1b2c3d", "session.fault")
    (bare,) = screen.children
    assert isinstance(bare, Label) and "F-0a1b2c3d" in bare.text
    assert MESSAGES["session.fault"].th in bare.text and MESSAGES["session.fault"].en in bare.text
