"""Every fault of the virtual printer, over TCP and over the serial pty, through the real
transports and `PrintService`: a job counts as printed only when the printer confirms it,
a failed job is journalled as failed, and it reprints correctly once the fault is gone."""

from __future__ import annotations

import socket

import pytest
from PIL import Image

from drivers.printer.escpos_base import MAX_STATUS_ROUNDS
from drivers.printer.protocol import PrinterState
from drivers.printer.status import PaperLevel
from kiosk.printing.journal import JobState
from kiosk.printing.service import PrintService
from kiosk.receipts.samples import record_slip

from .conftest import new_session, transport_for
from .golden import assert_matches_golden

GOLDEN = "record-slip-raster-80mm"


def print_slip(service: PrintService):
    return service.print_receipt(new_session(), record_slip(), kind="record_slip")


def test_prints_and_confirms(service, vprinter, journal) -> None:
    outcome = print_slip(service)
    assert outcome.printed and outcome.message_key == "printer.printed"
    assert journal.get(outcome.job_id).state is JobState.PRINTED
    (receipt,) = vprinter.wait_for_receipts(1)
    assert receipt.complete
    with Image.open(receipt.path) as page:
        assert_matches_golden(page, GOLDEN)
    assert service.check() is PrinterState.READY


@pytest.mark.parametrize(
    ("inject", "heal", "key", "state"),
    [
        (lambda p: p.set_paper(PaperLevel.OUT), lambda p: p.set_paper(PaperLevel.OK),
         "printer.paper_out", PrinterState.PAPER_OUT),
        (lambda p: p.open_cover(True), lambda p: p.open_cover(False),
         "printer.cover_open", PrinterState.COVER_OPEN),
        (lambda p: p.set_cutter_error(True), lambda p: p.set_cutter_error(False),
         "printer.error", PrinterState.ERROR),
        (lambda p: p.set_offline(True), lambda p: p.set_offline(False),
         "printer.offline", PrinterState.OFFLINE),
    ],
    ids=["paper-out", "cover-open", "cutter-error", "offline"],
)
def test_fault_before_the_job_sends_nothing(service, vprinter, journal, inject, heal, key,
                                            state) -> None:
    inject(vprinter)
    before = vprinter.bytes_received
    outcome = print_slip(service)
    assert not outcome.printed and outcome.message_key == key
    assert outcome.printer_state is state and outcome.bytes_sent == 0
    # Only status queries: rounds of DLE EOT 1-4, 12 bytes each.
    assert vprinter.bytes_received - before <= MAX_STATUS_ROUNDS * 12
    assert journal.get(outcome.job_id).state is JobState.FAILED
    assert service.check() is state
    assert [j.job_id for j in service.failed_jobs()] == [outcome.job_id]

    heal(vprinter)
    again = service.reprint(outcome.job_id)
    assert again.printed and again.job_id == outcome.job_id
    assert journal.get(outcome.job_id).attempts == 2
    (receipt,) = vprinter.wait_for_receipts(1)
    with Image.open(receipt.path) as page:
        assert_matches_golden(page, GOLDEN)
    assert service.failed_jobs() == []


def test_paper_near_end_prints_with_a_warning(service, vprinter) -> None:
    vprinter.set_paper(PaperLevel.NEAR_END)
    outcome = print_slip(service)
    assert outcome.printed
    assert outcome.printer_state is PrinterState.PAPER_NEAR_END
    assert outcome.message_key == "printer.paper_near_end"


def test_disconnect_mid_job_is_interrupted_then_reprints(service, vprinter, journal,
                                                         transport_kind) -> None:
    vprinter.disconnect_after(6000)  # in the middle of the raster bands
    outcome = print_slip(service)
    assert not outcome.printed
    # TCP: the reset is seen during the write or, once the whole job sat in the socket
    # buffer, while waiting for the fence; serial: a dead printer never answers the fence.
    # Either way the printer did not confirm the end: interrupted (socket acceptance is
    # not delivery), never "check your receipt".
    assert journal.get(outcome.job_id).state is JobState.INTERRUPTED
    assert outcome.message_key == "printer.interrupted"
    (partial,) = vprinter.wait_for_receipts(1)
    assert not partial.complete and "incomplete" in partial.path.name

    vprinter.reconnect()
    again = service.reprint(outcome.job_id)
    assert again.printed, again.error
    receipts = vprinter.wait_for_receipts(2)
    assert len(receipts) == 2 and receipts[1].complete
    with Image.open(receipts[1].path) as page:
        assert_matches_golden(page, GOLDEN)


def test_paper_runs_out_mid_job(service, vprinter, journal) -> None:
    vprinter.paper_out_after(8000)
    outcome = print_slip(service)
    assert not outcome.printed and outcome.message_key == "printer.interrupted"
    assert outcome.printer_state is PrinterState.PAPER_OUT
    assert outcome.bytes_sent > 0  # it was sent, but the printer says it did not finish
    assert journal.get(outcome.job_id).state is JobState.INTERRUPTED
    (partial,) = vprinter.wait_for_receipts(1)
    assert not partial.complete

    vprinter.set_paper(PaperLevel.OK)
    assert service.reprint(outcome.job_id).printed
    receipts = vprinter.wait_for_receipts(2)
    with Image.open(receipts[1].path) as page:
        assert_matches_golden(page, GOLDEN)


def test_serial_baud_mismatch_is_a_timeout(vprinter, journal, raster_profile) -> None:
    vprinter.set_baud(9600)  # the printer is set to 9600; the kiosk talks at 115200
    # A profile that says the printer answers DLE EOT: silence is then a fault. (With
    # "auto" the probe finds a silent line: the job is sent, never counted as printed.)
    profile = raster_profile.model_copy(update={"status_mode": "dle_eot"})
    service = PrintService(transport_for("serial", vprinter, timeout_s=0.5), profile,
                           journal, timeout_s=0.5)
    outcome = print_slip(service)
    assert not outcome.printed and outcome.message_key == "printer.timeout"
    assert outcome.bytes_sent == 0
    assert vprinter.receipts == []

    vprinter.set_baud(None)  # fixed: reprint from the journal with the usual timeouts,
    # so a loaded machine cannot turn this success into a timeout
    fixed = PrintService(transport_for("serial", vprinter), profile, journal)
    assert fixed.reprint(outcome.job_id).printed


def test_network_printer_not_listening(journal, raster_profile) -> None:
    with socket.socket() as s:  # a port that was free a moment ago and has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from drivers.printer.escpos_transports import NetworkTransport

    service = PrintService(lambda: NetworkTransport("127.0.0.1", port, 0.5), raster_profile,
                           journal, timeout_s=0.5)
    outcome = print_slip(service)
    assert not outcome.printed and outcome.message_key == "printer.offline"
    assert outcome.printer_state is PrinterState.OFFLINE
    assert service.check() is PrinterState.OFFLINE


def test_serial_device_missing(journal, raster_profile, tmp_path) -> None:
    from drivers.printer.escpos_transports import SerialTransport

    service = PrintService(
        lambda: SerialTransport(str(tmp_path / "ttyNONE"), 9600, "rtscts", 0.5),
        raster_profile, journal,
    )
    outcome = print_slip(service)
    assert outcome.message_key == "printer.offline" and not outcome.printed


@pytest.mark.parametrize("flow", ["rtscts", "xonxoff", "none"])
def test_serial_flow_control_settings_print(flow, vprinter, journal, profiles) -> None:
    from drivers.printer.escpos_transports import SerialTransport

    assert vprinter.pty_path is not None
    service = PrintService(lambda: SerialTransport(vprinter.pty_path, 115200, flow, 2.0),
                           profiles["epson-tm-t82-thai"], journal)
    outcome = service.print_receipt(new_session(), record_slip())
    assert outcome.printed, outcome.error
    (receipt,) = vprinter.wait_for_receipts(1)
    assert any("ใบบันทึก" in line for line in receipt.text)
