"""The core's state and the moves every handler shares (pure: no threads, clocks or ports).

A step copies the state into a `Move`, the handlers change the copy and append effects;
the state handed in is never changed.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from kiosk.session.catalogue import Catalogue
from kiosk.session.core.effects import (
    Audit,
    CancelTimer,
    CheckPrinter,
    Effect,
    SessionEnded,
    StartTimer,
    StopHolder,
)
from kiosk.session.outcome import SessionOutcome
from kiosk.session.state import ErrorInfo, SessionData
from kiosk.session.timeouts import Timeouts, TimerKind, plan_timer
from kiosk.session.transitions import On
from kiosk.session.view import Alert, Connectivity, LanguageCode, PrintStatus, Screen, Text

log = logging.getLogger("kiosk.session")
S = Screen


@dataclass(frozen=True)
class Config:
    """What the kiosk was set up with; never changes while it runs."""

    catalogue: Catalogue
    kiosk_id: str
    timeouts: Timeouts = field(default_factory=Timeouts)
    default_language: LanguageCode = "th"
    read_photo: bool = True
    holder_available: bool = False


@dataclass
class State:
    """Everything the session knows. `session` is the only place citizen data lives."""

    config: Config
    screen: Screen = S.IDLE
    session: SessionData | None = None
    card_present: bool = False
    reader_ok: bool = True
    refused: str | None = None
    """Why the kiosk must not serve at all (e.g. a vpcd reader in production)."""
    parts_down: frozenset[str] = frozenset()
    connectivity: Connectivity = Connectivity.ONLINE
    queue_accepting: bool = True
    language: LanguageCode = "th"
    printer_ready: bool = True
    printer_reason: str | None = None
    alert: Alert = Alert.NONE
    alert_id: int = 0
    return_to: Screen | None = None
    countdown: int | None = None
    error: ErrorInfo | None = None
    progress: float | None = None
    print_status: PrintStatus = PrintStatus.NONE
    end_message: str | None = None
    timers: dict[TimerKind, int] = field(default_factory=dict)
    """The timers running now, by kind, with the token of their StartTimer."""
    last_token: int = 0
    fault_ref: str = ""
    fault_times: tuple[float, ...] = ()
    faulted: bool = False
    """Out of service after repeated screen faults (until a restart)."""

    @classmethod
    def initial(cls, config: Config) -> State:
        return cls(config=config, language=config.default_language)

    def copy(self) -> State:
        return dataclasses.replace(
            self, session=self.session.copy() if self.session is not None else None,
            timers=dict(self.timers))

    @property
    def serving(self) -> bool:
        return self.reader_ok and not self.parts_down and not self.faulted


class Move:
    """One step in progress: the new state `st` and the effects so far."""

    def __init__(self, state: State, on: On) -> None:
        self.st = state.copy()
        self.on = on
        self.fx: list[Effect] = []

    @property
    def cfg(self) -> Config:
        return self.st.config

    def sid(self) -> str:
        return self.st.session.id if self.st.session is not None else "-"

    def current(self, session_id: str, job: int | None = None) -> SessionData | None:
        """The session if `session_id` (and `job`) is still what we wait for, else None."""
        s = self.st.session
        if s is None or s.id != session_id or (job is not None and s.job != job):
            log.info("dropped a stale answer for session %s", session_id)
            return None
        return s

    # ------------------------------------------------------------ screens and timers

    def go(self, screen: Screen) -> None:
        """Move to `screen` and arm its timer (the step checks the move against the table)."""
        log.debug("session %s: %s -> %s", self.sid(), self.st.screen, screen)
        self.st.screen = screen
        self.arm()
        if screen in (S.MENU, S.RESULT) and not self.st.printer_ready:
            self.fx.append(CheckPrinter())

    def arm(self) -> None:
        """Cancel every timer, then start the one the screen runs (`plan_timer`)."""
        st = self.st
        for kind in st.timers:
            self.fx.append(CancelTimer(kind))
        st.timers = {}
        plan = plan_timer(st.screen, has_session=st.session is not None,
                          card_present=st.card_present, t=self.cfg.timeouts)
        if plan is not None:
            self.start_timer(plan[1], plan[0])

    def start_timer(self, kind: TimerKind, delay_s: float) -> None:
        self.st.last_token += 1
        self.st.timers[kind] = self.st.last_token
        self.fx.append(StartTimer(kind, delay_s, self.st.last_token))

    def raise_alert(self, alert: Alert) -> None:
        self.st.alert = alert
        self.st.alert_id += 1

    def audit(self, kind: str, details: dict[str, str]) -> None:
        s = self.st.session
        if s is None:
            return
        cid_masked = s.card.summary.cid_masked if s.card else ""
        self.fx.append(Audit(kind, s.id, cid_masked, {**details, "kiosk_id": self.cfg.kiosk_id}))

    # ------------------------------------------------------------ errors and endings

    def _show_error(self, key: str, text: Text | None, *, recoverable: bool,
                    back_to: Screen | None) -> None:
        self.st.error = ErrorInfo(key, text, recoverable, back_to)
        self.raise_alert(Alert.ERROR)
        self.go(S.ERROR)

    def _end_session(self, message_key: str, outcome: SessionOutcome) -> None:
        """Normal end (finish, decline, timeout, printed): wipe, then "take your card"."""
        self.audit("session_end", {"reason": message_key})
        self.drop_session(outcome)
        self.st.end_message = message_key
        self.st.error = None
        self.raise_alert(Alert.TAKE_CARD)
        if not self.st.card_present:
            self.to_idle()
        else:
            self.st.screen = S.FINISHED
            self.arm()

    def drop_session(self, outcome: SessionOutcome | None) -> None:
        st = self.st
        s = st.session
        if s is not None:
            log.info("session %s ended: %s", s.id, outcome or "kiosk stopping")
            if s.holder_wait is not None:
                self.fx.append(StopHolder(s.id))
            self.fx.append(SessionEnded(s.id, outcome))
        st.session = None
        st.return_to = None
        st.countdown = None
        st.progress = None

    def to_idle(self, outcome: SessionOutcome = SessionOutcome.ERROR) -> None:
        """Idle, or out of service when the kiosk may not serve."""
        st = self.st
        self.drop_session(outcome)  # only counts if a session was still open
        st.error = None
        st.print_status = PrintStatus.NONE
        st.language = self.cfg.default_language
        st.end_message = None
        if st.faulted:  # out of service for a technician: the alert and last ref stay
            if st.alert is not Alert.UI_FAULTS:
                self.raise_alert(Alert.UI_FAULTS)
        else:
            st.fault_ref = ""
            st.alert = Alert.NONE
        st.screen = S.IDLE if st.serving else S.OUT_OF_SERVICE
        self.arm()
