"""The updater's rules, by table (kiosk/fleet/decide.py)."""

from __future__ import annotations

import pytest

from kiosk.fleet.decide import Action, Facts, Verdict, Window, decide, judge, parse_hhmm

NIGHT = Window(parse_hhmm("01:00"), parse_hhmm("05:00"))
WRAP = Window(parse_hhmm("22:00"), parse_hhmm("02:00"))


def facts(**over: object) -> Facts:
    base: dict[str, object] = dict(minute=parse_hhmm("02:00"), window=NIGHT, installed="0.1.0",
                                   offered="0.2.0", offered_is_newer=True, held=frozenset(),
                                   busy_reasons=(), rollback_kept=True)
    base.update(over)
    return Facts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("over", "action"), [
    ({}, Action.INSTALL),
    ({"offered": None, "offered_is_newer": False}, Action.NO_OFFER),
    ({"offered": "0.1.0", "offered_is_newer": False}, Action.UP_TO_DATE),
    ({"offered": "0.0.9", "offered_is_newer": False}, Action.UP_TO_DATE),
    ({"held": frozenset({"0.2.0"})}, Action.HELD),
    ({"held": frozenset({"0.3.0"})}, Action.INSTALL),
    ({"minute": parse_hhmm("05:00")}, Action.OUTSIDE_WINDOW),
    ({"minute": parse_hhmm("00:59")}, Action.OUTSIDE_WINDOW),
    ({"minute": parse_hhmm("14:00"), "busy_reasons": ("session",)}, Action.OUTSIDE_WINDOW),
    ({"busy_reasons": ("a citizen's session is open",)}, Action.BUSY),
    ({"rollback_kept": False}, Action.NO_ROLLBACK_TARGET),
    # First install (nothing to roll back to): allowed without a kept release.
    ({"installed": None, "rollback_kept": False}, Action.INSTALL),
    # Held beats everything else: a bad release is never retried, even in the window.
    ({"held": frozenset({"0.2.0"}), "busy_reasons": ("x",)}, Action.HELD),
])
def test_decide(over: dict[str, object], action: Action) -> None:
    assert decide(facts(**over)) is action


@pytest.mark.parametrize(("window", "minute", "inside"), [
    (NIGHT, "01:00", True), (NIGHT, "04:59", True), (NIGHT, "05:00", False),
    (NIGHT, "00:00", False), (WRAP, "23:30", True), (WRAP, "00:10", True),
    (WRAP, "02:00", False), (WRAP, "21:59", False),
])
def test_window(window: Window, minute: str, inside: bool) -> None:
    assert window.contains(parse_hhmm(minute)) is inside


@pytest.mark.parametrize("bad", ["1:5", "24:00", "12:60", "noon", "", "12:3a"])
def test_bad_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(bad)


def test_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Window(60, 60)


@pytest.mark.parametrize(("results", "elapsed", "verdict"), [
    ({"units": True, "outbox": True}, 1.0, Verdict.PASS),
    ({"units": True, "outbox": True}, 999.0, Verdict.PASS),
    ({"units": False, "outbox": True}, 10.0, Verdict.WAIT),
    ({"units": False, "outbox": True}, 300.0, Verdict.ROLLBACK),
    ({}, 1.0, Verdict.WAIT),         # no check ran: never a pass
    ({}, 300.0, Verdict.ROLLBACK),
])
def test_judge(results: dict[str, bool], elapsed: float, verdict: Verdict) -> None:
    assert judge(results, elapsed, 300.0) is verdict
