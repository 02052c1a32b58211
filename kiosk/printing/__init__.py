"""Printing receipts: `PrintService` (print, confirm, journal) and its setup from config.

The session engine calls ``PrintService.print_receipt(session_id, document)`` and gets a
`PrintOutcome`; the maintenance menu calls ``failed_jobs()`` and ``reprint(job_id)``.
Texts for outcomes are in `kiosk.printing.messages`.
"""

from kiosk.printing.journal import JobRecord, JobState, PrintJournal
from kiosk.printing.service import PrintOutcome, PrintService
from kiosk.printing.setup import PrintSystem, open_printing

__all__ = [
    "JobRecord",
    "JobState",
    "PrintJournal",
    "PrintOutcome",
    "PrintService",
    "PrintSystem",
    "open_printing",
]
