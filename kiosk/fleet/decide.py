"""The updater's rules, as pure functions tested by tables (tests/fleet_updates/).

`decide(facts)` says whether this run installs the offered release; `judge(...)` says,
after an install, whether the self-check passed, may still pass, or the kiosk rolls back.
The shell (`kiosk.fleet.updater`) gathers the facts and does the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Ring(StrEnum):
    """The apt distribution a kiosk follows."""

    CANARY = "canary"
    STABLE = "stable"
    HOLD = "hold"


class Action(StrEnum):
    NO_OFFER = "no_offer"
    """The repository could not be read (offline) or offers no package: try next run."""
    UP_TO_DATE = "up_to_date"
    HELD = "held"
    """The newest offered release failed its self-check here before: never again."""
    OUTSIDE_WINDOW = "outside_window"
    BUSY = "busy"
    """A citizen's session is open or the outbox is delivering: wait for the next run."""
    NO_ROLLBACK_TARGET = "no_rollback_target"
    """The running release's .deb is not kept: an upgrade could not be undone."""
    INSTALL = "install"


class Verdict(StrEnum):
    PASS = "pass"
    WAIT = "wait"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class Window:
    """A daily maintenance window in local minutes since midnight; end < start wraps."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for m in (self.start, self.end):
            if not 0 <= m < 24 * 60:
                raise ValueError(f"window minute {m} outside 0..1439")
        if self.start == self.end:
            raise ValueError("maintenance window is empty (start == end)")

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


@dataclass(frozen=True)
class Facts:
    minute: int
    """Local minutes since midnight now."""
    window: Window
    installed: str | None
    offered: str | None
    """The newest version the ring's distribution offers (None: unreadable or empty)."""
    offered_is_newer: bool
    held: frozenset[str]
    busy_reasons: tuple[str, ...]
    rollback_kept: bool


def decide(f: Facts) -> Action:
    if f.offered is None:
        return Action.NO_OFFER
    if f.installed is not None and not f.offered_is_newer:
        return Action.UP_TO_DATE
    if f.offered in f.held:
        return Action.HELD
    if not f.window.contains(f.minute):
        return Action.OUTSIDE_WINDOW
    if f.busy_reasons:
        return Action.BUSY
    if f.installed is not None and not f.rollback_kept:
        return Action.NO_ROLLBACK_TARGET
    return Action.INSTALL


def judge(results: Mapping[str, bool], elapsed_s: float, deadline_s: float) -> Verdict:
    """All checks passed: PASS. Otherwise WAIT until the deadline, then ROLLBACK.

    No checks at all is never a pass: a self-check that checked nothing proves nothing."""
    if results and all(results.values()):
        return Verdict.PASS
    if elapsed_s >= deadline_s:
        return Verdict.ROLLBACK
    return Verdict.WAIT


def parse_hhmm(text: str) -> int:
    """"01:30" -> 90. Raises ValueError naming the text."""
    hh, sep, mm = text.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"time {text!r} is not HH:MM")
    h, m = int(hh), int(mm)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"time {text!r} is not HH:MM")
    return h * 60 + m
