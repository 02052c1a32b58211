"""`PrintService`: print a receipt, and count it only when the printer confirms it.

    outcome = service.print_receipt(session_id, document)
    if not outcome.printed: show messages.citizen(outcome.message_key, lang)

For every job: record it in the journal (sealed) -> render for the printer's profile ->
open the transport -> status before (refuse to start on paper out / cover open / error:
the citizen is told at once, nothing half-printed) -> send -> wait until the printer has
processed the job (``GS r 1`` is answered in order) -> status after -> journal outcome.
Failures are typed `PrinterError`s; nothing raises out of `print_receipt`.

Maintenance: `failed_jobs()` and `reprint(job_id)`. One job at a time (a lock), callable
from any worker thread; never call it from the UI thread (it blocks for the job).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from drivers.printer.protocol import (
    PrinterDisconnected,
    PrinterError,
    PrinterState,
    PrinterTransport,
    StatusUnknown,
    raise_for_status,
    state_of,
)
from kiosk.printing.journal import JobRecord, JobState, JournalError, PrintJournal
from kiosk.receipts.fonts import ThaiShapingUnavailable
from kiosk.receipts.model import Document
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.render import RenderMode, render_receipt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintOutcome:
    job_id: str
    state: JobState
    printer_state: PrinterState
    message_key: str
    """Say ``messages.citizen(message_key)`` to the citizen."""
    error: PrinterError | None = None
    bytes_sent: int = 0

    @property
    def printed(self) -> bool:
        return self.state is JobState.PRINTED


class PrintService:
    def __init__(
        self,
        transport_factory: Callable[[], PrinterTransport],
        profile: PrinterProfile,
        journal: PrintJournal,
        *,
        timeout_s: float = 10.0,
        mode: RenderMode | None = None,
    ) -> None:
        self._transport_factory = transport_factory
        self.profile = profile
        self.journal = journal
        self.timeout_s = timeout_s
        self.mode = mode
        self._lock = threading.Lock()

    # -- citizen path -----------------------------------------------------------------------

    def print_receipt(self, session_id: str, document: Document, *,
                      kind: str = "receipt") -> PrintOutcome:
        job_id = self.journal.record(session_id, document, kind=kind)
        return self._run(job_id, document)

    # -- maintenance --------------------------------------------------------------------------

    def failed_jobs(self) -> list[JobRecord]:
        return self.journal.reprintable()

    def reprint(self, job_id: str) -> PrintOutcome:
        """Print a journalled job again (same job id, one more attempt)."""
        try:
            document = self.journal.document(job_id)
        except JournalError as exc:
            log.warning("reprint %s: %s", job_id, exc)
            return PrintOutcome(job_id, JobState.FAILED, PrinterState.UNKNOWN,
                                exc.message_key)
        self.journal.start_retry(job_id)
        return self._run(job_id, document)

    def check(self) -> PrinterState:
        """Current printer state (maintenance screen, health); never raises.

        Waits for a job in progress: a network printer serves one connection at a time,
        so asking in parallel would only time out."""
        with self._lock:
            transport = self._transport_factory()
            try:
                transport.open()
                if not transport.reports_status:
                    return PrinterState.UNKNOWN
                return state_of(transport.status())
            except PrinterError as exc:
                return exc.state
            finally:
                transport.close()

    # -- the job ------------------------------------------------------------------------------

    def _run(self, job_id: str, document: Document) -> PrintOutcome:
        with self._lock:
            try:
                data = render_receipt(document, self.profile, self.mode)
            except ThaiShapingUnavailable as exc:
                error = PrinterError(str(exc), reason="no_thai_shaping")
                return self._finish(job_id, JobState.FAILED, PrinterState.UNKNOWN, error, 0)
            transport = self._transport_factory()
            sent = 0
            try:
                transport.open()
                if transport.reports_status:
                    raise_for_status(transport.status(), when="before the job")
                transport.send(data)
                sent = len(data)
                if not transport.reports_status:
                    return self._finish(job_id, JobState.UNCONFIRMED, PrinterState.UNKNOWN,
                                        None, sent)
                status = transport.wait_processed(self._job_deadline(transport, len(data)))
                state = raise_for_status(status, when="after the job")
                return self._finish(job_id, JobState.PRINTED, state, None, sent)
            except (PrinterDisconnected, StatusUnknown) as exc:
                # The whole job (and its cut) was written: it may well be on paper. Not
                # counted as printed, not a failure the citizen is sent to staff for.
                state = JobState.UNCONFIRMED if sent else JobState.FAILED
                return self._finish(job_id, state, exc.state, exc, sent)
            except PrinterError as exc:
                return self._finish(job_id, JobState.FAILED, exc.state, exc, sent)
            finally:
                transport.close()

    def _job_deadline(self, transport: PrinterTransport, size: int) -> float:
        rate = getattr(transport, "wire_bytes_per_s", None)
        wire = size / rate if rate else 0.0
        return self.timeout_s + 1.5 * wire  # the line, with slack for the print head

    def _finish(self, job_id: str, state: JobState, printer_state: PrinterState,
                error: PrinterError | None, sent: int) -> PrintOutcome:
        if error is None:
            key = ("printer.paper_near_end" if printer_state is PrinterState.PAPER_NEAR_END
                   else "printer.printed" if state is JobState.PRINTED
                   else "printer.unconfirmed")
            self.journal.mark(job_id, state)
        else:
            key = "printer.unconfirmed" if state is JobState.UNCONFIRMED else error.message_key
            self.journal.mark(job_id, state, error_reason=error.reason, error_key=key)
            log.warning("print job %s failed: %s (%s)", job_id, error.reason, error)
        return PrintOutcome(job_id, state, printer_state, key, error, sent)
