"""The session's screen graph: which moves are legal and what each group of screens means."""

from __future__ import annotations

from kiosk.session.view import Screen

S = Screen
WAITING_FOR_CITIZEN = frozenset({S.IDENTITY, S.CONSENT, S.MENU, S.RESULT, S.ERROR})
"""Screens where the citizen is expected to act: the inactivity timer runs."""
WORKING = frozenset({S.READING, S.RUNNING, S.PRINTING, S.VERIFY_HOLDER})
"""Screens where the kiosk works: a guard timer catches a hung device or network."""

TRANSITIONS: dict[Screen, frozenset[Screen]] = {
    S.IDLE: frozenset({S.READING}),
    S.READING: frozenset({S.IDENTITY, S.ERROR}),
    S.IDENTITY: frozenset({S.CONSENT, S.TIMEOUT_WARNING, S.FINISHED}),
    S.CONSENT: frozenset({S.MENU, S.TIMEOUT_WARNING, S.FINISHED}),
    S.MENU: frozenset({S.RUNNING, S.VERIFY_HOLDER, S.TIMEOUT_WARNING, S.FINISHED}),
    S.VERIFY_HOLDER: frozenset({S.RUNNING, S.ERROR, S.MENU}),
    S.RUNNING: frozenset({S.RESULT, S.ERROR}),
    S.RESULT: frozenset({S.PRINTING, S.MENU, S.TIMEOUT_WARNING, S.FINISHED}),
    S.PRINTING: frozenset({S.FINISHED, S.ERROR}),
    S.FINISHED: frozenset({S.TAKE_CARD}),
    S.TAKE_CARD: frozenset(),
    S.TIMEOUT_WARNING: WAITING_FOR_CITIZEN | {S.FINISHED},
    S.ERROR: frozenset({S.MENU, S.RESULT, S.CONSENT, S.TIMEOUT_WARNING, S.FINISHED}),
    S.OUT_OF_SERVICE: frozenset(),
}
"""Allowed moves besides the two that every state has: card removed → IDLE (or
OUT_OF_SERVICE without a reader) and reader detached → OUT_OF_SERVICE."""


def check_transition(current: Screen, target: Screen) -> None:
    """Raise unless `current` → `target` is in TRANSITIONS (staying put is always allowed)."""
    if target is not current and target not in TRANSITIONS[current]:
        raise RuntimeError(f"illegal session transition {current} -> {target}")
