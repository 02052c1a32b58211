"""A pure driver for the session core: states in every screen and a fitting event of every
kind of the table (no threads, no clock: the core is a function)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from kiosk.session.catalogue import load_catalogue
from kiosk.session.core import Config, State, step
from kiosk.session.core import effects as fx
from kiosk.session.core import events as ev
from kiosk.session.holder import HolderCheck, HolderOutcome, HolderStart
from kiosk.session.timeouts import TimerKind
from kiosk.session.transitions import On
from kiosk.session.values import PrintResult, ServiceOutcome
from kiosk.session.view import Connectivity, PrintStatus, ResultView, Screen, Text

from .conftest import CATALOGUE, citizen

S = Screen
CFG = Config(catalogue=load_catalogue(CATALOGUE), kiosk_id="TEST-CORE", holder_available=True)
AT = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
OUTCOME = ServiceOutcome(ResultView("card_status", Text("ผล", "Result")), receipt={"r": 1})
TIMER_OF = {On.INACTIVE: TimerKind.INACTIVE, On.WORK_TIMEOUT: TimerKind.WORK,
            On.COUNTDOWN: TimerKind.COUNTDOWN_TICK, On.TAKE_CARD_DUE: TimerKind.TAKE_CARD}


class Drive:
    """Feeds events to `step` and keeps the last state and effects."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state or State.initial(CFG)
        self.effects: list[fx.Effect] = []
        self.n = 0

    def __call__(self, event: ev.Event) -> list[fx.Effect]:
        self.state, self.effects = step(self.state, event)
        return self.effects

    @property
    def sid(self) -> str:
        return self.state.session.id if self.state.session else "gone"

    @property
    def job(self) -> int:
        return self.state.session.job if self.state.session else 0

    def fire(self, kind: TimerKind) -> list[fx.Effect]:
        return self(ev.TimerFired(kind, self.state.timers[kind]))

    def cmd(self, kind: On, arg: str = "") -> list[fx.Effect]:
        return self(ev.Command(kind, arg, AT))

    def done(self, kind: ev.JobKind, result: object) -> list[fx.Effect]:
        return self(ev.JobFinished(self.sid, self.job, kind, result))

    def insert(self) -> None:
        self.n += 1
        self(ev.CardInserted(f"s{self.n}"))


def drive_to(screen: Screen) -> Drive:
    d = Drive()
    if screen is S.OUT_OF_SERVICE:
        d(ev.ReaderDetached())
        return d
    if screen is S.IDLE:
        return d
    d.insert()
    if screen is S.READING:
        return d
    d.done(ev.JobKind.READ, citizen(1))
    if screen is S.IDENTITY:
        return d
    d.cmd(On.PROCEED)
    if screen is S.CONSENT:
        return d
    d.cmd(On.CONSENT)
    if screen is S.MENU:
        return d
    if screen is S.TIMEOUT_WARNING:
        d.fire(TimerKind.INACTIVE)
        return d
    if screen is S.VERIFY_HOLDER:
        d.cmd(On.CHOOSE, "registry_record")
        return d
    d.cmd(On.CHOOSE, "card_status")
    if screen is S.RUNNING:
        return d
    if screen is S.ERROR:
        d(ev.JobFailed(d.sid, d.job, ev.JobKind.SERVICE, ev.Failure("linkage.unavailable")))
        return d
    d.done(ev.JobKind.SERVICE, OUTCOME)
    if screen is S.RESULT:
        return d
    if screen is S.PRINTING:
        d.cmd(On.PRINT)
        return d
    d.cmd(On.FINISH)
    if screen is S.FINISHED:
        return d
    d.fire(TimerKind.TAKE_CARD)
    assert screen is S.TAKE_CARD
    return d


def event_for(on: On, d: Drive) -> ev.Event:
    """An event of column `on` that fits the state (current session, job and timer)."""
    sid, job = d.sid, d.job
    if on in TIMER_OF:
        kind = TIMER_OF[on]
        if kind not in d.state.timers:  # exercise the cell even where that timer is off
            d.state = dataclasses.replace(d.state, timers={**d.state.timers, kind: 10_000})
        return ev.TimerFired(kind, d.state.timers[kind])
    simple: dict[On, ev.Event] = {
        On.CARD_INSERTED: ev.CardInserted("s-new"), On.CARD_MUTE: ev.CardMute(),
        On.CARD_REMOVED: ev.CardRemoved(), On.READER_ATTACHED: ev.ReaderAttached(),
        On.READER_DETACHED: ev.ReaderDetached(),
        On.KIOSK_FACT: ev.ConnectivityChanged(Connectivity.OFFLINE),
        On.PARTS_DOWN: ev.PartsDown(frozenset({"outbox-sender"})),
        On.REFUSED: ev.ServiceRefused("vpcd reader in production"),
        On.UI_FAULT: ev.UiFault("F-1", 100.0), On.INTERNAL_ERROR: ev.InternalError(),
        On.SHUTDOWN: ev.Shutdown(), On.PHOTO: ev.PhotoRead(sid, b"\xff\xd8jpg"),
        On.READ_DONE: ev.JobFinished(sid, job, ev.JobKind.READ, citizen(1)),
        On.READ_FAILED: ev.JobFailed(sid, job, ev.JobKind.READ,
                                     ev.Failure("card.read_failed", None, False)),
        On.HOLDER_STARTED: ev.JobFinished(sid, job, ev.JobKind.HOLDER_START,
                                          HolderStart("v1", "https://thaid.example/q")),
        On.HOLDER_DECIDED: ev.JobFinished(sid, job, ev.JobKind.HOLDER_POLL,
                                          HolderCheck(HolderOutcome.HOLDER, 2.3)),
        On.SERVICE_DONE: ev.JobFinished(sid, job, ev.JobKind.SERVICE, OUTCOME),
        On.SERVICE_FAILED: ev.JobFailed(sid, job, ev.JobKind.SERVICE,
                                        ev.Failure("linkage.unavailable")),
        On.PRINTED: ev.JobFinished(sid, job, ev.JobKind.PRINT, PrintResult(PrintStatus.PRINTED)),
    }
    if on in simple:
        return simple[on]
    arg = {On.CHOOSE: "card_status", On.LANGUAGE: "en"}.get(on, "")
    return ev.Command(on, arg, AT)
