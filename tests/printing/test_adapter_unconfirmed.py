"""The session's printer port over a real PrintService: a file printer is never "printed"."""

from __future__ import annotations

import uuid
from pathlib import Path

from drivers.printer.escpos_transports import FileTransport, NetworkTransport
from kiosk.printing.journal import JobState, PrintJournal
from kiosk.printing.service import PrintService
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.samples import record_slip
from kiosk.services.adapters import PrintServicePort
from kiosk.session.view import PrintStatus
from simulators.vprinter import VirtualPrinter


def test_file_transport_print_is_unconfirmed(tmp_path: Path, journal: PrintJournal,
                                             raster_profile: PrinterProfile) -> None:
    device = tmp_path / "lp0"  # a plain file stands in for /dev/usb/lp0
    service = PrintService(lambda: FileTransport(str(device), 2.0), raster_profile, journal,
                           timeout_s=2.0)
    port = PrintServicePort(service)
    result = port.print_receipt(uuid.uuid4().hex, record_slip())
    assert result.status is PrintStatus.UNCONFIRMED
    assert result.reason_key == "printer.unconfirmed"
    assert device.stat().st_size > 1000  # the job did go out
    assert journal.counts().get(JobState.PRINTED, 0) == 0
    assert journal.counts()[JobState.UNCONFIRMED] == 1


def test_network_printer_that_confirms_is_printed(vprinter: VirtualPrinter,
                                                  journal: PrintJournal,
                                                  raster_profile: PrinterProfile) -> None:
    service = PrintService(
        lambda: NetworkTransport("127.0.0.1", vprinter.tcp_port or 0, 2.0), raster_profile,
        journal, timeout_s=2.0)
    result = PrintServicePort(service).print_receipt(uuid.uuid4().hex, record_slip())
    assert result.status is PrintStatus.PRINTED
    assert journal.counts()[JobState.PRINTED] == 1


def test_a_known_printer_fault_reaches_the_citizen_in_its_own_words(
        vprinter: VirtualPrinter, journal: PrintJournal,
        raster_profile: PrinterProfile) -> None:
    """Cover open: the error screen says so (never the generic "the kiosk has a problem")."""
    vprinter.open_cover(True)
    service = PrintService(
        lambda: NetworkTransport("127.0.0.1", vprinter.tcp_port or 0, 2.0), raster_profile,
        journal, timeout_s=2.0)
    result = PrintServicePort(service).print_receipt(uuid.uuid4().hex, record_slip())
    assert result.status is PrintStatus.FAILED and result.reason_key == "printer.cover_open"
    assert result.text is not None
    assert "ฝา" in result.text.th and "cover" in result.text.en
