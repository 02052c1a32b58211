"""Printing again from the session: the same slip, the same journal job, never a second one.

A citizen whose slip was interrupted (or never started) presses "Print again". That
reprints the journal job of *that* slip (`PrintService.reprint`): the same document, so the
same reference and the same QR; a counter ticket keeps its number and is never issued
twice. Once a slip has been confirmed printed it is not printed again from the session;
a slip sent but not confirmed is left to staff (they look at the slip first). A reprint
that fails stays in the print journal for the technician (state, reason, attempts).

Only the current session's slips are remembered (a new session id forgets the last one).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace

from drivers.printer.protocol import PrinterState
from kiosk.printing.job_machine import Outcome
from kiosk.printing.journal import JobState
from kiosk.printing.service import PrintOutcome, PrintService
from kiosk.receipts.model import Document

REPRINTABLE = frozenset({JobState.FAILED, JobState.INTERRUPTED, JobState.PENDING})


class SessionPrints:
    def __init__(self, service: PrintService) -> None:
        self._service = service
        self._session: str | None = None
        self._jobs: dict[str, str] = {}
        self._lock = threading.Lock()

    def print(self, session_id: str, document: Document, *, kind: str = "receipt"
              ) -> PrintOutcome:
        slip = hashlib.sha256(document.to_json()).hexdigest()
        with self._lock:
            if session_id != self._session:
                self._session, self._jobs = session_id, {}
            job_id = self._jobs.get(slip)
        if job_id is None:
            outcome = self._service.print_receipt(session_id, document, kind=kind)
            with self._lock:
                if self._session == session_id:
                    self._jobs[slip] = outcome.job_id
            return outcome
        record = self._service.journal.get(job_id)
        if record.state not in REPRINTABLE:
            # Printed (or sent, unconfirmed): a second copy would issue the slip twice.
            key = ("printer.printed" if record.state is JobState.PRINTED
                   else "printer.unconfirmed")
            outcome = Outcome.PRINTED if record.state is JobState.PRINTED \
                else Outcome.SENT_UNCONFIRMED
            return PrintOutcome(job_id, record.state, PrinterState.UNKNOWN, key,
                                outcome=outcome, reason="not_printed_twice")
        again = self._service.reprint(job_id)
        return replace(again, reason=again.reason or "reprint")
