"""The shell's holder polling: the first poll goes out at once after the start (a gateway
that long-polls answers as soon as the phone does), then one every `holder_poll_s` after
each answer; leaving the screen stops a waiting poll at once (no `holder_poll_s` wait)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.view import Screen

from .conftest import Rig, quiesce, wait_until

S = Screen
LONG = 600.0
"""A poll interval no test waits for: anything that happens, happens without it."""


@pytest.fixture
def slow_rig(rig: Rig) -> Iterator[Rig]:
    engine = SessionEngine(
        card=rig.card, runners=rig.services.runners(), printer=rig.printer,
        connectivity=rig.net, audit=rig.audit, catalogue=rig.engine._catalogue,
        clock=rig.clock, kiosk_id="TEST-POLL", timeouts=Timeouts(holder_poll_s=LONG),
        holder=rig.holder)
    rig.engine.stop()
    rig.clock.settle = engine.sync
    engine.start()
    engine.sync()
    try:
        yield Rig(engine, rig.card, rig.services, rig.printer, rig.audit, rig.clock, rig.net,
                  [], rig.holder)
    finally:
        engine.stop()


def test_the_first_poll_is_at_once_and_back_stops_the_next(slow_rig: Rig) -> None:
    rig = slow_rig
    rig.holder.mode = "none"  # the phone never answers: every poll is pending
    rig.to_menu(1)
    rig.engine.choose_service("registry_record")
    rig.wait(S.VERIFY_HOLDER)
    wait_until(lambda: rig.holder.polls >= 1)  # long before holder_poll_s (600 s)
    assert rig.holder.polls == 1  # the next one waits holder_poll_s after the answer
    rig.engine.back()
    rig.wait(S.MENU)
    quiesce(rig.engine, timeout=20)  # the waiting poll ended: not held for 600 s
    assert rig.holder.polls == 1


def test_a_decided_first_poll_runs_the_service_without_waiting(slow_rig: Rig) -> None:
    rig = slow_rig
    rig.holder.mode = "holder"
    rig.to_menu(2)
    rig.engine.choose_service("registry_record")
    assert rig.wait(S.RESULT).result is not None
    assert rig.holder.polls == 1
