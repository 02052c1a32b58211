"""Session ports driven by hand, for tests, scripts and benchmarks (test doubles live in
simulators/ or tests/, never in the production package).

`ManualClock`: time moves only when `advance()` is called, so timeouts and countdowns are
tested without waiting. `StaticConnectivity`: a connectivity state set by hand.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from kiosk.observers import Settable
from kiosk.session.ports import TimerHandle, _Timer, _TimerHeap
from kiosk.session.view import Connectivity


class StaticConnectivity(Settable[Connectivity]):
    """A connectivity source whose state is set by hand (demo panel, scripts, tests)."""

    def __init__(self, state: Connectivity = Connectivity.ONLINE) -> None:
        super().__init__(state)

    def current(self) -> Connectivity:
        return self.get()


class ManualClock:
    """Test clock: time moves only when `advance()` is called; due timers fire inside it."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = 0.0
        self._wall = start or dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC)
        self._timers = _TimerHeap()
        self._lock = threading.Lock()
        self.settle: Callable[[], None] | None = None
        """Called after each step (tests: ``engine.sync``) so work a timer posted is done
        before time moves on, exactly as it would be with real time."""

    def monotonic(self) -> float:
        return self._now

    def now(self) -> dt.datetime:
        return self._wall + dt.timedelta(seconds=self._now)

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _Timer(self._now + max(0.0, delay_s), callback)
        with self._lock:
            self._timers.push(timer)
        return timer

    def advance(self, seconds: float, *, step: float = 1.0) -> None:
        """Move time forward in `step`s, firing timers in order as they fall due."""
        target = self._now + seconds
        while self._now < target:
            self._now = min(target, self._now + step)
            with self._lock:
                due = self._timers.pop_due(self._now)
            for timer in due:
                timer.callback()
            if self.settle is not None:
                self.settle()
