"""`PrintService`: print a receipt, and count it only when the printer confirms it.

    outcome = service.print_receipt(session_id, document)
    if not outcome.printed: show messages.citizen(outcome.message_key, lang)

For every job: record it in the journal (sealed) -> render for the printer's profile ->
open the transport -> find its status mode (the profile's ``status_mode``, or the cached
result of `drivers.printer.capability.probe` for ``auto``: probed on the first job and
again after the printer was unreachable) -> run the sans-I/O `kiosk.printing.job_machine`
(status before, send, confirm the end behind a fence) -> journal its outcome.
This module is the machine's thin I/O shell: it performs each effect and feeds back what
happened. Failures are typed `PrinterError`s; nothing raises out of `print_receipt`.

Maintenance: `failed_jobs()`, `reprint(job_id)`, `probe()`. One job at a time (a lock),
callable from any worker thread; never call it from the UI thread (it blocks for the job).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from drivers.printer.capability import (
    ProbeResult,
    StatusMode,
    confirm_end,
    probe,
    status_before,
)
from drivers.printer.protocol import (
    PrinterError,
    PrinterState,
    PrinterTransport,
    state_of,
)
from kiosk.printing.job_machine import (
    ConfirmEnd,
    Effect,
    Event,
    Failed,
    Finish,
    JobProgress,
    LinkClosed,
    Opened,
    Outcome,
    ReadStatus,
    SendJob,
    Sent,
    StatusRead,
    StatusUnfenced,
    step,
)
from kiosk.printing.journal import JobRecord, JobState, JournalError, PrintJournal
from kiosk.receipts.fonts import ThaiShapingUnavailable
from kiosk.receipts.model import Document
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.render import RenderMode, render_receipt

log = logging.getLogger(__name__)

HEAD_BYTES_PER_S = 16_000.0
"""A slow print head's intake of raster: 576 bytes a mm of 80 mm paper at ~28 mm/s."""


@dataclass(frozen=True)
class PrintOutcome:
    job_id: str
    state: JobState
    printer_state: PrinterState
    message_key: str
    """Say ``messages.citizen(message_key)`` to the citizen."""
    error: PrinterError | None = None
    bytes_sent: int = 0
    outcome: Outcome = Outcome.NOT_STARTED
    reason: str | None = None
    """Technician detail (``paper_out``, ``disconnected``, ``status_mode_none`` ...)."""

    @property
    def printed(self) -> bool:
        return self.state is JobState.PRINTED


JOURNAL_STATES = {Outcome.PRINTED: JobState.PRINTED,
                  Outcome.SENT_UNCONFIRMED: JobState.UNCONFIRMED,
                  Outcome.INTERRUPTED: JobState.INTERRUPTED,
                  Outcome.NOT_STARTED: JobState.FAILED}


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
        self._probed: ProbeResult | None = None
        """The last probe (``status_mode = "auto"``); None: probe on the next job."""

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
                                exc.message_key, reason="journal_unreadable")
        self.journal.start_retry(job_id)
        outcome = self._run(job_id, document)
        if not outcome.printed:
            log.warning("reprint of job %s: %s (%s); kept in the print journal",
                        job_id, outcome.outcome.value, outcome.reason)
        return outcome

    @property
    def last_probe(self) -> ProbeResult | None:
        return self._probed

    def start_probe(self) -> threading.Thread:
        """Probe in the background (at start): the first job waits for it (the lock)."""
        thread = threading.Thread(target=self.probe, name="printer-probe", daemon=True)
        thread.start()
        return thread

    def status_mode(self) -> StatusMode | None:
        """The mode jobs use now (None: ``auto`` and not probed yet)."""
        configured = self.profile.status_mode
        if configured != "auto":
            return StatusMode(configured)
        return self._probed.mode if self._probed else None

    def probe(self) -> ProbeResult | PrinterError:
        """Probe the printer now (maintenance menu, ``kiosk printer probe``); an ``auto``
        profile then uses what was found. Never raises: an unreachable printer is its error."""
        with self._lock:
            transport = self._transport_factory()
            try:
                transport.open()
                if not transport.reports_status:
                    return ProbeResult(StatusMode.NONE, {}, 0.0)
                result = probe(transport)  # type: ignore[arg-type]
            except PrinterError as exc:
                return exc
            finally:
                transport.close()
            if self.profile.status_mode == "auto":
                self._probed = result
            return result

    def check(self) -> PrinterState:
        """Current printer state (maintenance screen, health); never raises.

        Waits for a job in progress: a network printer serves one connection at a time,
        so asking in parallel would only time out."""
        with self._lock:
            transport = self._transport_factory()
            try:
                transport.open()
                mode = self._mode_for(transport)
                if not mode.reports:
                    return PrinterState.UNKNOWN
                return state_of(status_before(transport, mode,  # type: ignore[arg-type]
                                              self.timeout_s))
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
                finish = Finish(Outcome.NOT_STARTED, PrinterState.UNKNOWN, error.message_key,
                                error.reason)
                return self._finish(job_id, finish, error, 0)
            transport = self._transport_factory()
            progress = JobProgress()
            sent, error = 0, None
            try:
                try:
                    transport.open()
                    event: Event = Opened(self._mode_for(transport))
                except PrinterError as exc:
                    event = Failed(exc)
                while True:
                    if isinstance(event, Failed):
                        error = event.error
                    elif isinstance(event, Sent):
                        sent = event.size
                    progress, effects = step(progress, event)
                    effect = effects[0]
                    if isinstance(effect, Finish):
                        return self._finish(job_id, effect, error, sent)
                    event = self._perform(effect, transport, progress.mode, data)
            finally:
                transport.close()

    def _mode_for(self, transport: PrinterTransport) -> StatusMode:
        if not transport.reports_status:
            return StatusMode.NONE
        configured = self.profile.status_mode
        if configured != "auto":
            return StatusMode(configured)
        if self._probed is None:
            self._probed = probe(transport)  # type: ignore[arg-type]
            log.info("printer %s: %s", transport.name, self._probed.describe())
        return self._probed.mode

    def _perform(self, effect: Effect, transport: PrinterTransport, mode: StatusMode,
                 data: bytes) -> Event:
        link = transport  # an EscposTransport: it speaks every status mode's dialogue
        try:
            if isinstance(effect, ReadStatus):
                return StatusRead(state_of(status_before(
                    link, mode, self.timeout_s)))  # type: ignore[arg-type]
            if isinstance(effect, SendJob):
                transport.send(data)
                return Sent(len(data))
            if isinstance(effect, ConfirmEnd):
                deadline = self._job_deadline(transport, len(data))
                if not mode.reports:
                    link.finish_write(deadline)  # type: ignore[attr-defined]
                    return LinkClosed()
                end = confirm_end(link, mode, deadline,  # type: ignore[arg-type]
                                  fence=self._probed.fence if self._probed else True)
                return (StatusRead if end.fenced else StatusUnfenced)(state_of(end.status))
        except PrinterError as exc:
            return Failed(exc)
        raise AssertionError(f"unknown effect {effect!r}")

    def _job_deadline(self, transport: PrinterTransport, size: int) -> float:
        """How long the end of a job may take: the line or the print head, whichever is
        slower (a network printer takes the job into its socket at once, then prints it
        at head speed), with slack; the transport waits on while bytes are still taken."""
        rate = getattr(transport, "wire_bytes_per_s", None) or HEAD_BYTES_PER_S
        return self.timeout_s + 1.5 * size / min(rate, HEAD_BYTES_PER_S)

    def _finish(self, job_id: str, finish: Finish, error: PrinterError | None,
                sent: int) -> PrintOutcome:
        state = JOURNAL_STATES[finish.outcome]
        if finish.printer_state in (PrinterState.UNREACHABLE, PrinterState.OFFLINE) or (
                error is not None and error.reason in ("disconnected", "open_failed")):
            self._probed = None  # after a reconnect, ask the printer again what it answers
        if state is JobState.PRINTED:
            self.journal.mark(job_id, state)
        else:
            self.journal.mark(job_id, state, error_reason=finish.reason,
                              error_key=finish.message_key)
            log.warning("print job %s: %s (%s)", job_id, finish.outcome.value, finish.reason)
        return PrintOutcome(job_id, state, finish.printer_state, finish.message_key, error,
                            sent, finish.outcome, finish.reason)
