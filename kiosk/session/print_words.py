"""What a print failure means for the service it interrupted, in words.

The printer's own words (``PrintResult.text``: "out of paper", "printing was interrupted")
say nothing about the citizen's data, because the printer cannot know: a card-status
check saved nothing, a request was recorded, a counter ticket holds a queue number. This
module adds the one sentence that fits the service, so paper out on a card-status check
never says "your data has been saved":

* a query (registry record, card status, welfare rights) saved nothing: print again or
  ask at the counter;
* a request (queued or submitted) is recorded: its reference is kept;
* a counter ticket keeps its number: the same ticket is printed again, never a new one.
"""

from __future__ import annotations

from kiosk.session.messages import MESSAGES
from kiosk.session.view import ResultView, Text

_SAVES = frozenset({"submit_request"})
_TICKETS = frozenset({"counter_ticket"})


def service_note_key(handler: str | None, result: ResultView | None) -> str:
    """The message key of the sentence that fits the interrupted service."""
    if handler in _TICKETS:
        return "printer.note_ticket_kept"
    if handler in _SAVES or (result is not None and result.status == "queued"):
        return "printer.note_request_recorded"
    return "printer.note_nothing_saved"


def failure_text(key: str, printer_text: Text | None, handler: str | None,
                 result: ResultView | None) -> Text | None:
    """The printer's words for ``key`` followed by the service's sentence."""
    words = printer_text or MESSAGES.get(key)
    if words is None:
        return None
    note = MESSAGES[service_note_key(handler, result)]
    return Text(f"{words.th} {note.th}", f"{words.en} {note.en}")
