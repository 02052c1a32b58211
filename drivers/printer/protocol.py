"""The receipt printer as the kiosk sees it: one small typed Protocol.

A `PrinterTransport` moves bytes and asks for status; it knows nothing of receipts. Real
implementations wrap python-escpos's Usb / Serial / Network / File / CupsPrinter
(`drivers.printer.escpos_transports`); the virtual printer (`simulators.vprinter`) is
reached through the very same Network and Serial transports, so tests run the real code.

Every failure is a `PrinterError` with a ``message_key`` (the UI says it to the citizen,
`kiosk.printing.messages` has the wording) and a stable ``reason`` for technicians.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol, runtime_checkable

from drivers.printer.status import PrinterStatus
from kiosk.errors import KeyedError


class PrinterState(Enum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    """Prints, but the roll needs changing soon (technician warning)."""
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    """Answers, but will not print (feed button held, waiting for recovery)."""
    ERROR = "error"
    """Cutter jam, head overheated, unrecoverable error."""
    UNREACHABLE = "unreachable"
    """Cannot be opened or does not answer at all."""
    UNKNOWN = "unknown"
    """The transport cannot read status (file, CUPS): printing cannot be confirmed."""

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.READY, PrinterState.PAPER_NEAR_END)


class PrinterError(KeyedError):
    """Base of every error the printer driver raises."""

    default_message_key = "printer.error"
    default_reason = "printer_error"
    state = PrinterState.ERROR


class PrinterOffline(PrinterError):
    """Cannot be reached (no device, refused, USB access denied) or reports offline."""

    default_message_key = "printer.offline"
    default_reason = "offline"
    state = PrinterState.OFFLINE


class PaperOut(PrinterError):
    default_message_key = "printer.paper_out"
    default_reason = "paper_out"
    state = PrinterState.PAPER_OUT


class CoverOpen(PrinterError):
    default_message_key = "printer.cover_open"
    default_reason = "cover_open"
    state = PrinterState.COVER_OPEN


class PrinterTimeout(PrinterError):
    """No answer in time (powered off, wrong baud rate, flow control stuck)."""

    default_message_key = "printer.timeout"
    default_reason = "timeout"
    state = PrinterState.UNREACHABLE


class PrinterDisconnected(PrinterError):
    """The connection broke while a job was being sent: the receipt is incomplete."""

    default_message_key = "printer.disconnected"
    default_reason = "disconnected"
    state = PrinterState.UNREACHABLE


class PrinterFault(PrinterError):
    """The printer reports an error (cutter jam, head overheated)."""

    default_message_key = "printer.error"
    default_reason = "hardware_error"
    state = PrinterState.ERROR


class StatusUnsupported(PrinterError):
    """This transport cannot read status (file, CUPS): a job cannot be confirmed."""

    default_message_key = "printer.unconfirmed"
    default_reason = "status_unsupported"
    state = PrinterState.UNKNOWN


class StatusUnknown(PrinterError):
    """The printer answered, but no answer could be matched to the query asked (noise,
    wrong baud rate, a chatty device): not a fault, and a job after it is unconfirmed."""

    default_message_key = "printer.status_unknown"
    default_reason = "status_unknown"
    state = PrinterState.UNKNOWN


@runtime_checkable
class PrinterTransport(Protocol):
    """Bytes out, status in. One open connection per job; every call may block."""

    name: str
    """Human description for technicians (``serial /dev/ttyUSB0 @ 38400``)."""
    reports_status: bool
    """False for file / CUPS transports: the kiosk then never counts a job as printed."""

    def open(self) -> None:
        """Connect; raise `PrinterOffline` if the device is not there."""

    def send(self, data: bytes) -> None:
        """Write all of ``data``; raise `PrinterDisconnected` / `PrinterTimeout`."""

    def status(self) -> PrinterStatus:
        """Real-time status (DLE EOT 1-4); raise `PrinterTimeout` if no answer."""

    def wait_processed(self, timeout_s: float) -> PrinterStatus:
        """Wait until the printer has processed everything sent, then read status."""

    def close(self) -> None:
        """Release the device; never raises."""


def state_of(status: PrinterStatus) -> PrinterState:
    """One state for a status; the first that stops printing wins."""
    from drivers.printer.status import PaperLevel

    if status.cover_open:
        return PrinterState.COVER_OPEN
    if status.paper is PaperLevel.OUT:
        return PrinterState.PAPER_OUT
    if status.has_error:
        return PrinterState.ERROR
    if not status.online:
        return PrinterState.OFFLINE
    if status.paper is PaperLevel.NEAR_END:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.READY


def raise_for_status(status: PrinterStatus, *, when: str) -> PrinterState:
    """Return the state if the printer can print, else raise the matching typed error."""
    state = state_of(status)
    detail = f"{when}: printer reports {state.value} (status bytes {status.raw.hex()})"
    if state is PrinterState.COVER_OPEN:
        raise CoverOpen(detail)
    if state is PrinterState.PAPER_OUT:
        raise PaperOut(detail)
    if state is PrinterState.ERROR:
        reason = "cutter_error" if status.cutter_error else "hardware_error"
        raise PrinterFault(detail, reason=reason)
    if state is PrinterState.OFFLINE:
        raise PrinterOffline(detail, reason="reports_offline")
    return state
