"""A print the printer could not confirm is never reported to the citizen as printed."""

from __future__ import annotations

from kiosk.session.messages import MESSAGES
from kiosk.session.view import PrintStatus, Screen

from .conftest import Rig, wait_until

S = Screen


def test_unconfirmed_print_finishes_without_claiming_success(rig: Rig) -> None:
    rig.printer.status = PrintStatus.UNCONFIRMED  # a file/CUPS printer: sent, no status
    rig.to_result(1)
    rig.engine.print_result()
    v = rig.wait(S.FINISHED)
    assert v.print_status is PrintStatus.UNCONFIRMED
    assert v.progress_key == "printer.unconfirmed"
    assert v.session_id is None and v.result is None  # wiped as after any ending
    # The printer took the job without error: it stays usable for the next citizen.
    assert v.printer_ready and v.printer_reason_key is None
    # Not counted as printed: no "print" audit event, the ending says why.
    # Audit records are written on a pool: wait for the ending, then look at all of them.
    wait_until(lambda: any(e.kind == "session_end" for e in rig.audit.events))
    kinds = [e.kind for e in rig.audit.events]
    assert "print" not in kinds
    ends = [e.details.get("reason") for e in rig.audit.events if e.kind == "session_end"]
    assert ends == ["printer.unconfirmed"]


def test_unconfirmed_message_is_in_both_languages() -> None:
    text = MESSAGES["printer.unconfirmed"]
    assert "counter" in text.pick("en") and "receipt" in text.pick("en")
    assert "เจ้าหน้าที่" in text.pick("th")


def test_a_confirmed_print_after_an_unconfirmed_one_counts(rig: Rig) -> None:
    rig.printer.status = PrintStatus.UNCONFIRMED
    rig.to_result(1)
    rig.engine.print_result()
    rig.wait(S.FINISHED)
    rig.card.remove()
    rig.wait(S.IDLE)
    rig.printer.status = PrintStatus.PRINTED
    rig.to_result(2)
    rig.engine.print_result()
    v = rig.wait(S.FINISHED)
    assert v.print_status is PrintStatus.PRINTED
    assert v.progress_key == "session.take_card_and_receipt"
    wait_until(lambda: [e.kind for e in rig.audit.events].count("session_end") == 2)
    assert [e.kind for e in rig.audit.events].count("print") == 1
