"""Session timers: how long the kiosk waits and which timer each screen runs (pure)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.session.transitions import WAITING_FOR_CITIZEN, WORKING
from kiosk.session.view import Screen

S = Screen


@dataclass(frozen=True, slots=True)
class Timeouts:
    inactivity_s: float = 90.0
    warning_s: float = 30.0
    """WCAG 2.2.1: at least 20 s to extend with one simple action."""
    max_extensions: int = 10
    take_card_after_s: float = 8.0
    """FINISHED → TAKE_CARD reminder when the card is still in the reader."""
    take_card_repeat_s: float = 10.0
    work_timeout_s: float = 60.0
    holder_timeout_s: float = 120.0
    """How long the ThaID QR waits for the phone (finding the app takes a while)."""
    holder_poll_s: float = 0.25
    fault_window_s: float = 600.0
    """Three screen faults within this window: out of service (technician alert)."""

    def __post_init__(self) -> None:
        if self.warning_s < 20 or self.max_extensions < 10:
            raise ValueError("timeouts must allow >= 20 s to extend and >= 10 extensions")
        if self.fault_window_s <= 0:
            raise ValueError("the fault window must be longer than 0 s")


class TimerKind(enum.Enum):
    INACTIVE = "inactive"
    WORK = "work"
    COUNTDOWN_TICK = "countdown_tick"
    TAKE_CARD = "take_card"


def plan_timer(screen: Screen, *, has_session: bool, card_present: bool, t: Timeouts
               ) -> tuple[float, TimerKind] | None:
    """The one timer `screen` runs (delay and kind), or None."""
    if screen in WAITING_FOR_CITIZEN and has_session:
        return t.inactivity_s, TimerKind.INACTIVE
    if screen is S.VERIFY_HOLDER:
        return t.holder_timeout_s, TimerKind.WORK
    if screen in WORKING:
        return t.work_timeout_s, TimerKind.WORK
    if screen is S.TIMEOUT_WARNING:
        return 1.0, TimerKind.COUNTDOWN_TICK
    if screen is S.FINISHED:
        return t.take_card_after_s, TimerKind.TAKE_CARD
    if screen is S.TAKE_CARD or (screen is S.ERROR and not has_session and card_present):
        # A card that could not be read must come out too: keep reminding.
        return t.take_card_repeat_s, TimerKind.TAKE_CARD
    return None
