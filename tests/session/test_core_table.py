"""Table tests of the pure core: for every (screen, event) cell of the table, the screen
the step leads to and the effects it must ask for (no threads, no clock, no devices)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from kiosk.session.core import effects as fx
from kiosk.session.core import step
from kiosk.session.core.events import TimerFired
from kiosk.session.transitions import ANYWHERE, RULES, TRANSITIONS, On, allowed
from kiosk.session.view import Alert, Screen

from .core_kit import Drive, drive_to, event_for

S = Screen
F = fx
EXPECT: dict[tuple[Screen, On], tuple[Screen, set[type]]] = {
    (S.IDLE, On.CARD_INSERTED): (S.READING, {F.ReadCard, F.StartTimer}),
    (S.IDLE, On.CARD_MUTE): (S.ERROR, {F.StartTimer}),
    (S.READING, On.READ_DONE): (S.IDENTITY, {F.CancelTimer, F.StartTimer}),
    (S.READING, On.READ_FAILED): (S.ERROR, {F.SessionEnded}),
    (S.READING, On.WORK_TIMEOUT): (S.ERROR, {F.SessionEnded}),
    (S.IDENTITY, On.PROCEED): (S.CONSENT, {F.StartTimer}),
    (S.IDENTITY, On.TOUCH): (S.IDENTITY, {F.CancelTimer, F.StartTimer}),
    (S.IDENTITY, On.INACTIVE): (S.TIMEOUT_WARNING, {F.StartTimer}),
    (S.IDENTITY, On.FINISH): (S.FINISHED, {F.Audit, F.SessionEnded}),
    (S.CONSENT, On.CONSENT): (S.MENU, {F.RecordConsent}),
    (S.CONSENT, On.DECLINE): (S.FINISHED, {F.Audit, F.SessionEnded}),
    (S.CONSENT, On.PROCEED): (S.CONSENT, {F.StartTimer}),
    (S.CONSENT, On.TOUCH): (S.CONSENT, {F.StartTimer}),
    (S.CONSENT, On.INACTIVE): (S.TIMEOUT_WARNING, set()),
    (S.CONSENT, On.FINISH): (S.FINISHED, {F.SessionEnded}),
    (S.MENU, On.CHOOSE): (S.RUNNING, {F.RunService}),
    (S.MENU, On.PROCEED): (S.MENU, {F.StartTimer}),
    (S.MENU, On.TOUCH): (S.MENU, {F.StartTimer}),
    (S.MENU, On.INACTIVE): (S.TIMEOUT_WARNING, set()),
    (S.MENU, On.FINISH): (S.FINISHED, {F.SessionEnded}),
    (S.VERIFY_HOLDER, On.HOLDER_STARTED): (S.VERIFY_HOLDER, {F.PollHolder}),
    (S.VERIFY_HOLDER, On.HOLDER_DECIDED): (S.RUNNING, {F.Audit, F.RunService}),
    (S.VERIFY_HOLDER, On.BACK): (S.MENU, {F.StopHolder}),
    (S.VERIFY_HOLDER, On.WORK_TIMEOUT): (S.ERROR, {F.StopHolder, F.Audit}),
    (S.RUNNING, On.SERVICE_DONE): (S.RESULT, {F.Audit}),
    (S.RUNNING, On.SERVICE_FAILED): (S.ERROR, set()),
    (S.RUNNING, On.WORK_TIMEOUT): (S.ERROR, set()),
    (S.RESULT, On.PRINT): (S.PRINTING, {F.Print}),
    (S.RESULT, On.BACK): (S.MENU, set()),
    (S.RESULT, On.PROCEED): (S.RESULT, {F.StartTimer}),
    (S.RESULT, On.TOUCH): (S.RESULT, {F.StartTimer}),
    (S.RESULT, On.INACTIVE): (S.TIMEOUT_WARNING, set()),
    (S.RESULT, On.FINISH): (S.FINISHED, {F.SessionEnded}),
    (S.PRINTING, On.PRINTED): (S.FINISHED, {F.Audit, F.SessionEnded}),
    (S.PRINTING, On.WORK_TIMEOUT): (S.ERROR, set()),
    (S.FINISHED, On.TAKE_CARD_DUE): (S.TAKE_CARD, {F.StartTimer}),
    (S.TAKE_CARD, On.TAKE_CARD_DUE): (S.TAKE_CARD, {F.StartTimer}),
    (S.TIMEOUT_WARNING, On.TOUCH): (S.MENU, {F.StartTimer}),
    (S.TIMEOUT_WARNING, On.PROCEED): (S.MENU, {F.StartTimer}),
    (S.TIMEOUT_WARNING, On.LANGUAGE): (S.MENU, {F.StartTimer}),
    (S.TIMEOUT_WARNING, On.COUNTDOWN): (S.TIMEOUT_WARNING, {F.StartTimer}),
    (S.TIMEOUT_WARNING, On.FINISH): (S.FINISHED, {F.SessionEnded}),
    (S.ERROR, On.BACK): (S.MENU, set()),
    (S.ERROR, On.PROCEED): (S.ERROR, {F.StartTimer}),
    (S.ERROR, On.TOUCH): (S.ERROR, {F.StartTimer}),
    (S.ERROR, On.INACTIVE): (S.TIMEOUT_WARNING, set()),
    (S.ERROR, On.FINISH): (S.FINISHED, {F.SessionEnded}),
    (S.ERROR, On.TAKE_CARD_DUE): (S.ERROR, set()),
}
"""Every cell of `RULES`: where the step leads from the state `drive_to` builds."""


def anywhere(screen: Screen, on: On, d: Drive) -> tuple[Screen, set[type]]:
    """What the `ANYWHERE` columns do from `screen` (state built by `drive_to`)."""
    has_session = d.state.session is not None
    ended = {F.SessionEnded} if has_session else set()
    if on is On.CARD_REMOVED:
        return (S.OUT_OF_SERVICE if screen is S.OUT_OF_SERVICE else S.IDLE), ended
    if on is On.READER_DETACHED:
        return S.OUT_OF_SERVICE, ended
    if on is On.READER_ATTACHED:
        return (S.IDLE if screen is S.OUT_OF_SERVICE else screen), set()
    if on is On.PARTS_DOWN:
        return (S.OUT_OF_SERVICE if screen in (S.IDLE, S.OUT_OF_SERVICE) else screen), set()
    if on is On.REFUSED:
        return S.OUT_OF_SERVICE, ended
    if on is On.UI_FAULT:
        return (S.FINISHED if has_session else screen), ended | ({F.Audit} if has_session
                                                                  else set())
    if on is On.INTERNAL_ERROR:
        return (S.ERROR if d.state.card_present else S.IDLE), ended
    if on is On.SHUTDOWN:
        return S.IDLE, ended
    return screen, set()  # LANGUAGE, KIOSK_FACT, PHOTO: the screen stays


CELLS = sorted({(s, on) for s, row in RULES.items() for on in row}
               | {(s, on) for s in Screen for on in ANYWHERE})


def test_the_cells_are_counted() -> None:
    assert set(EXPECT) == {(s, on) for s, row in RULES.items() for on in row}
    assert len(CELLS) == len(EXPECT) + len(Screen) * len(ANYWHERE) - len(
        {(s, on) for (s, on) in EXPECT if on in ANYWHERE})
    print(f"{len(CELLS)} (screen, event) cells: {len(EXPECT)} in RULES, "
          f"{len(Screen) * len(ANYWHERE)} from ANYWHERE")


@pytest.mark.parametrize(("screen", "on"), CELLS, ids=[f"{s}-{o}" for s, o in CELLS])
def test_every_cell(screen: Screen, on: On) -> None:
    d = drive_to(screen)
    assert d.state.screen is screen
    event = event_for(on, d)
    before = copy.deepcopy(d.state)
    state, effects = step(d.state, event)
    assert d.state == before, "step changed the state it was given"
    want, needs = EXPECT[(screen, on)] if (screen, on) in EXPECT else anywhere(screen, on, d)
    assert state.screen is want
    assert state.screen in (allowed(screen, on) or {screen})
    kinds = {type(e) for e in effects}
    assert needs <= kinds, f"missing effects {needs - kinds}"
    assert isinstance(effects[-1], F.PublishView)


def test_events_a_screen_does_not_list_change_nothing_but_facts() -> None:
    for screen in Screen:
        for on in On:
            if allowed(screen, on) is not None or on in (On.CARD_INSERTED, On.CARD_MUTE,
                                                         On.PRINTED):
                continue
            d = drive_to(screen)
            event = event_for(on, d)
            state, effects = step(d.state, event)
            expected = d.state
            if isinstance(event, TimerFired):  # a timer that fired no longer runs
                expected = dataclasses.replace(expected, timers={
                    k: t for k, t in expected.timers.items() if k is not event.kind})
            assert state == expected, (screen, on)
            assert effects == [F.PublishView()]


def test_transitions_are_the_table_screen_graph() -> None:
    assert TRANSITIONS[S.MENU] == {S.RUNNING, S.VERIFY_HOLDER, S.TIMEOUT_WARNING, S.FINISHED}
    assert TRANSITIONS[S.TAKE_CARD] == frozenset()
    assert TRANSITIONS[S.IDLE] == {S.READING, S.ERROR}


def test_a_stale_timer_fire_does_nothing() -> None:
    d = drive_to(S.MENU)
    token = d.state.timers[next(iter(d.state.timers))]
    d(event_for(On.TOUCH, d))  # re-armed: the old token is stale
    from kiosk.session.timeouts import TimerKind

    state, effects = step(d.state, TimerFired(TimerKind.INACTIVE, token))
    assert state is d.state and effects == []


def test_holder_polls_at_once_then_every_poll_interval() -> None:
    from kiosk.session.core import events as ev
    from kiosk.session.holder import HolderCheck, HolderOutcome, HolderStart

    d = drive_to(S.VERIFY_HOLDER)
    start = next(e for e in d.effects if isinstance(e, F.StartHolder))
    d.done(ev.JobKind.HOLDER_START, HolderStart("v9", "https://q", short_code="AB12"))
    poll = next(e for e in d.effects if isinstance(e, F.PollHolder))
    assert (poll.job, poll.verification_id, poll.delay_s) == (start.job, "v9", 0.0)
    d.done(ev.JobKind.HOLDER_POLL, HolderCheck(HolderOutcome.PENDING))
    again = next(e for e in d.effects if isinstance(e, F.PollHolder))
    assert again.delay_s == d.state.config.timeouts.holder_poll_s
    d.cmd(On.BACK)
    assert F.StopHolder(d.sid) in d.effects
    late = d.state
    d(ev.JobFinished(late.session.id if late.session else "", start.job,
                     ev.JobKind.HOLDER_POLL, HolderCheck(HolderOutcome.HOLDER, 2.3)))
    assert d.state.screen is S.MENU and d.state.session is not None
    assert not d.state.session.holder_verified  # the abandoned verification's answer


def test_ui_fault_ends_the_session_and_three_stop_the_kiosk() -> None:
    from kiosk.session.core import events as ev

    d = drive_to(S.RESULT)
    d(ev.UiFault("REF-1", 10.0))
    audit = next(e for e in d.effects if isinstance(e, F.Audit) and e.kind == "ui_fault")
    assert audit.details["ref"] == "REF-1" and audit.details["screen"] == "result"
    assert set(audit.details) == {"ref", "screen", "kiosk_id"}  # nothing personal
    assert d.state.screen is S.FINISHED and d.state.session is None
    assert d.state.end_message == "session.fault" and d.state.fault_ref == "REF-1"
    assert d.state.alert is Alert.TAKE_CARD
    d.fire(next(iter(d.state.timers)))
    assert d.state.screen is S.TAKE_CARD and d.state.fault_ref == "REF-1"
    d(ev.CardRemoved())
    assert d.state.screen is S.IDLE and d.state.fault_ref == ""
    d(ev.UiFault("REF-2", 20.0))  # no session: the view is only published again
    assert d.state.screen is S.IDLE
    assert d.state.fault_ref == "REF-2"  # the UI learns the core answered
    d.insert()
    assert d.state.fault_ref == ""
    d(ev.UiFault("REF-3", 30.0))
    assert d.state.screen is S.FINISHED and d.state.session is None  # the card back first
    d(ev.CardRemoved())
    assert d.state.screen is S.OUT_OF_SERVICE and d.state.session is None
    assert d.state.alert is Alert.UI_FAULTS and d.state.fault_ref == "REF-3"
    d(ev.ReaderAttached())
    d(ev.CardRemoved())
    assert d.state.screen is S.OUT_OF_SERVICE  # until a restart


def test_faults_outside_the_window_do_not_add_up() -> None:
    from kiosk.session.core import events as ev

    d = Drive()
    window = d.state.config.timeouts.fault_window_s
    for i in range(6):
        d(ev.UiFault(f"R{i}", i * window / 2 + 1))
    assert d.state.screen is S.IDLE and not d.state.faulted
