"""Print again from the session: the same journal job (same reference, same QR), a counter
ticket never issued twice, a failed reprint kept in the journal for the technician. Through
the session's printer port, a real `PrintService` and the virtual printer (TCP and pty)."""

from __future__ import annotations

from PIL import Image

from kiosk.printing.journal import JobState
from kiosk.receipts.samples import counter_ticket, record_slip
from kiosk.services.adapters import PrintServicePort
from kiosk.session.view import PrintStatus

from .conftest import new_session
from .golden import assert_matches_golden


def test_an_interrupted_slip_reprints_as_the_same_job(service, vprinter, journal) -> None:
    port, session = PrintServicePort(service), new_session()
    vprinter.disconnect_after(5000)
    first = port.print_receipt(session, record_slip())
    assert first.status is PrintStatus.FAILED and first.reason_key == "printer.interrupted"
    assert first.text is not None and "Printing was interrupted" in first.text.en
    assert "ขัดจังหวะ" in first.text.th
    (job,) = journal.jobs()
    assert job.state is JobState.INTERRUPTED

    vprinter.reconnect()
    again = port.print_receipt(session, record_slip())  # "Print again" on the error screen
    assert again.status is PrintStatus.PRINTED
    (same,) = journal.jobs()  # no second job: the same slip, reprinted
    assert same.job_id == job.job_id and same.attempts == 2 and same.state is JobState.PRINTED
    receipts = vprinter.wait_for_receipts(2)
    assert [r.complete for r in receipts] == [False, True]
    with Image.open(receipts[1].path) as page:  # same reference and QR as the golden slip
        assert_matches_golden(page, "record-slip-raster-80mm")


def test_a_printed_counter_ticket_is_never_issued_twice(service, vprinter, journal) -> None:
    port, session = PrintServicePort(service), new_session()
    assert port.print_receipt(session, counter_ticket()).status is PrintStatus.PRINTED
    assert vprinter.wait_for_receipts(1)
    again = port.print_receipt(session, counter_ticket())
    assert again.status is PrintStatus.PRINTED  # it was printed: said again, not re-sent
    (job,) = journal.jobs()
    assert job.attempts == 1
    assert len(vprinter.receipts) == 1


def test_a_failed_reprint_stays_in_the_journal(service, vprinter, journal) -> None:
    port, session = PrintServicePort(service), new_session()
    vprinter.open_cover(True)
    first = port.print_receipt(session, counter_ticket())
    assert first.status is PrintStatus.FAILED and first.reason_key == "printer.cover_open"
    again = port.print_receipt(session, counter_ticket())  # still open
    assert again.status is PrintStatus.FAILED
    (job,) = journal.jobs()
    assert job.state is JobState.FAILED and job.attempts == 2
    assert job.error_reason == "cover_open"
    assert [j.job_id for j in service.failed_jobs()] == [job.job_id]
    assert vprinter.receipts == []


def test_another_session_prints_its_own_slip(service, vprinter, journal) -> None:
    port = PrintServicePort(service)
    assert port.print_receipt(new_session(), counter_ticket()).status is PrintStatus.PRINTED
    assert port.print_receipt(new_session(), counter_ticket()).status is PrintStatus.PRINTED
    assert len(journal.jobs()) == 2
