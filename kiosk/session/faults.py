"""The fault budget: how many UI faults the kiosk takes before it stops serving (pure).

A fault that a screen raises while it is drawn, or while it handles a touch or a key, ends
that citizen's session safely (`SessionCommands.report_fault`). The same bug may hit every
next citizen: after `FAULT_LIMIT` faults within the window the kiosk goes out of service
with a technician alert instead of looping. No clock in here: the caller passes the times
(monotonic seconds), so the session core and its tests reuse it as a value.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

FAULT_LIMIT = 3
"""Faults within `Timeouts.fault_window_s` that put the kiosk out of service."""
FAULT_REF = re.compile(r"^F-[0-9a-f]{8}$")
"""What a fault reference looks like (staff read it to the technician)."""
FAULT_KEY = "session.fault"
"""A fault with a card in: the session ended, the card is asked back."""
FAULT_NO_CARD_KEY = "session.fault_no_card"
"""A fault with no card in (idle): nothing to take back; a card starts afresh."""
OUT_OF_SERVICE_KEY = "session.out_of_service_faults"


def fault_message_key(progress_key: str | None) -> str:
    """What the fault screen says for a view carrying a fault reference: out of service,
    "take your card" only where the session asked the card back (its end message), else
    the no-card message (the fault came while idle, or the card was already out)."""
    if progress_key in (OUT_OF_SERVICE_KEY, FAULT_KEY):
        return progress_key
    return FAULT_NO_CARD_KEY


def new_fault_ref() -> str:
    """A fresh reference for one fault: "F-" and 8 hex digits (nothing about the citizen)."""
    return f"F-{secrets.token_hex(4)}"


def check_fault_ref(ref: str) -> str:
    """`ref` if it is a fault reference, else ValueError (a log line must not carry data)."""
    if not FAULT_REF.match(ref):
        raise ValueError(f"not a fault reference (F- and 8 hex digits): {ref[:12]!r}")
    return ref


@dataclass(frozen=True, slots=True)
class FaultBudget:
    """The times of the recent faults; `note` gives the next budget and whether it is spent."""

    window_s: float = 600.0
    limit: int = FAULT_LIMIT
    times: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.window_s <= 0 or self.limit < 1:
            raise ValueError("a fault budget needs a window > 0 s and a limit >= 1")

    def note(self, at: float) -> tuple[FaultBudget, bool]:
        """Count a fault at `at`: the new budget, and True when `limit` faults fell within
        `window_s` (the kiosk must stop serving)."""
        recent = (*(t for t in self.times if at - t < self.window_s), at)
        return FaultBudget(self.window_s, self.limit, recent[-self.limit:]), \
            len(recent) >= self.limit
