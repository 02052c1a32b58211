"""Hypothesis state-machine tests of the pure core over random event sequences: what must
hold whatever the citizen, the devices and the timers do, in whatever order."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.session.core import State, step, view_of
from kiosk.session.core import effects as fx
from kiosk.session.core import events as ev
from kiosk.session.holder import HolderCheck, HolderOutcome, HolderStart
from kiosk.session.timeouts import TimerKind
from kiosk.session.transitions import WAITING_FOR_CITIZEN, WORKING, On
from kiosk.session.values import PrintResult
from kiosk.session.view import Connectivity, PrintStatus, Screen

from .conftest import citizen
from .core_kit import AT, CFG, OUTCOME

S = Screen
SERVICES = [s.id for s in CFG.catalogue.enabled] + ["no_such_service"]
JOBS = {fx.ReadCard: ev.JobKind.READ, fx.RunService: ev.JobKind.SERVICE,
        fx.StartHolder: ev.JobKind.HOLDER_START, fx.PollHolder: ev.JobKind.HOLDER_POLL,
        fx.Print: ev.JobKind.PRINT}


def _answer(kind: ev.JobKind, ok: bool, pick: int) -> object:
    if kind is ev.JobKind.READ:
        return citizen(pick % 5)
    if kind is ev.JobKind.SERVICE:
        return OUTCOME
    if kind is ev.JobKind.HOLDER_START:
        return HolderStart(f"v{pick}", "https://thaid.example/q",
                           HolderOutcome.PENDING if ok else HolderOutcome.PROVIDER_DOWN)
    if kind is ev.JobKind.HOLDER_POLL:
        return HolderCheck(list(HolderOutcome)[pick % len(HolderOutcome)])
    return PrintResult(list(PrintStatus)[pick % len(PrintStatus)])


def _comparable(state: State) -> State:
    """The state without the kiosk's printer facts (a late print answer still updates
    those: the printer's state is the kiosk's, not the session's)."""
    c = state.copy()
    c.printer_ready, c.printer_reason = True, None
    return c


class Session(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = State.initial(CFG)
        self.jobs: list[tuple[str, int, ev.JobKind]] = []
        self.n = 0
        self.now = 0.0

    def feed(self, event: ev.Event) -> list[fx.Effect]:
        old, snapshot = self.state, self.state.copy()
        self.state, effects = step(old, event)
        assert old == snapshot, "step changed the state it was given"
        for e in effects:
            if type(e) in JOBS:
                self.jobs.append((e.session_id, e.job, JOBS[type(e)]))  # type: ignore[union-attr]
        view_of(self.state, 1)  # every state can be drawn
        return effects

    @rule()
    def insert(self) -> None:
        self.n += 1
        self.feed(ev.CardInserted(f"s{self.n}"))

    @rule()
    def remove(self) -> None:
        self.feed(ev.CardRemoved())
        assert self.state.session is None  # nothing of the citizen survives
        view = view_of(self.state, 1)
        assert view.identity is None and view.result is None and not view.menu
        assert view.session_id is None and view.selected_service is None

    @rule(event=st.sampled_from([ev.CardMute(), ev.ReaderAttached(), ev.ReaderDetached(),
                                 ev.ConnectivityChanged(Connectivity.OFFLINE),
                                 ev.ConnectivityChanged(Connectivity.ONLINE),
                                 ev.QueueHealthChanged(False), ev.QueueHealthChanged(True),
                                 ev.PrinterChecked(True), ev.PartsDown(frozenset()),
                                 ev.PartsDown(frozenset({"sender"})), ev.InternalError()]))
    def kiosk_event(self, event: ev.Event) -> None:
        self.feed(event)

    @rule(kind=st.sampled_from(sorted(ev.COMMANDS)), service=st.sampled_from(SERVICES))
    def command(self, kind: On, service: str) -> None:
        arg = {On.CHOOSE: service, On.LANGUAGE: "en"}.get(kind, "")
        self.feed(ev.Command(kind, arg, AT))

    @precondition(lambda self: bool(self.state.timers))
    @rule(pick=st.integers(0, 3))
    def timer(self, pick: int) -> None:
        kinds = sorted(self.state.timers)
        kind = kinds[pick % len(kinds)]
        self.feed(ev.TimerFired(kind, self.state.timers[kind]))

    @precondition(lambda self: bool(self.jobs))
    @rule(pick=st.integers(0, 50), ok=st.booleans())
    def answer(self, pick: int, ok: bool) -> None:
        sid, job, kind = self.jobs.pop(pick % len(self.jobs))
        s = self.state.session
        stale = s is None or s.id != sid or s.job != job
        before = _comparable(self.state)
        if ok or kind in (ev.JobKind.PRINT, ev.JobKind.HOLDER_START, ev.JobKind.HOLDER_POLL):
            event: ev.Event = ev.JobFinished(sid, job, kind, _answer(kind, ok, pick))
        else:
            event = ev.JobFailed(sid, job, kind, ev.Failure("linkage.unavailable"))
        effects = self.feed(event)
        if stale:  # a late answer from an old session or job changes nothing
            assert _comparable(self.state) == before
            assert effects == [fx.PublishView()]

    @rule(ref=st.sampled_from(["F-1", "F-2"]), later=st.floats(0, 400))
    def fault(self, ref: str, later: float) -> None:
        self.now += later
        had = self.state.session is not None
        self.feed(ev.UiFault(ref, self.now))
        assert self.state.session is None or not had

    @invariant()
    def waiting_and_working_screens_run_a_timer(self) -> None:
        st_, timers = self.state, self.state.timers
        if st_.screen in WAITING_FOR_CITIZEN and st_.session is not None:
            assert TimerKind.INACTIVE in timers, st_.screen
        if st_.screen in WORKING:
            assert TimerKind.WORK in timers, st_.screen
        if st_.screen is S.TIMEOUT_WARNING:
            assert TimerKind.COUNTDOWN_TICK in timers
        if st_.screen in (S.FINISHED, S.TAKE_CARD) or (
                st_.screen is S.ERROR and st_.session is None and st_.card_present):
            assert TimerKind.TAKE_CARD in timers, st_.screen

    @invariant()
    def no_state_is_a_dead_end(self) -> None:
        """Taking the card out (and the reader and parts coming back) leads to idle, unless
        a technician must look (refused, repeated faults)."""
        state = self.state
        for event in (ev.CardRemoved(), ev.ReaderAttached(), ev.PartsDown(frozenset())):
            state, _ = step(state, event)
        if state.refused is None and not state.faulted:
            assert state.screen is S.IDLE
            state, effects = step(state, ev.CardInserted("probe"))
            assert state.screen is S.READING and any(isinstance(e, fx.ReadCard)
                                                     for e in effects)
        else:
            assert state.screen is S.OUT_OF_SERVICE

    @invariant()
    def citizen_data_only_with_a_session(self) -> None:
        st_ = self.state
        if st_.screen in (S.IDLE, S.OUT_OF_SERVICE, S.FINISHED, S.TAKE_CARD):
            assert st_.session is None


TestSession = Session.TestCase
TestSession.settings = settings(max_examples=150, stateful_step_count=40, deadline=None,
                                suppress_health_check=[HealthCheck.too_slow])
