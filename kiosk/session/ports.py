"""The narrow ports the session engine consumes (hexagonal: adapters live in kiosk/services).

Every port method that does I/O is *blocking* and is only ever called on one of the
engine's worker threads, never on the engine thread or the UI thread. The engine tags each
call with the session id and drops the answer if that session is no longer current.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol

from kiosk.observers import Settable
from kiosk.session.values import AuditEvent as AuditEvent
from kiosk.session.values import CardEvent as CardEvent
from kiosk.session.values import CardEventKind as CardEventKind
from kiosk.session.values import CardRead as CardRead
from kiosk.session.values import ConsentRecord as ConsentRecord
from kiosk.session.values import PrintResult as PrintResult
from kiosk.session.values import ServiceOutcome as ServiceOutcome
from kiosk.session.values import ServiceRequest as ServiceRequest
from kiosk.session.values import SessionPortError as SessionPortError
from kiosk.session.view import Connectivity

# ---------------------------------------------------------------- card


class CardPort(Protocol):
    def start(self, listener: Callable[[CardEvent], None]) -> None:
        """Begin watching the reader; `listener` is called on the driver's thread."""
        ...

    def stop(self) -> None: ...

    def read_identity(self) -> CardRead:
        """Read the inserted card. Raises `SessionPortError` (message_key) on failure."""
        ...

    def read_photo(self, progress: Callable[[float], None]) -> bytes: ...


# ---------------------------------------------------------------- errors


# ---------------------------------------------------------------- services


class ServiceRunner(Protocol):
    def __call__(self, request: ServiceRequest) -> ServiceOutcome:
        """Run one service (blocking, on a worker). Raises `SessionPortError` on failure."""
        ...


# ---------------------------------------------------------------- printer


class PrinterPort(Protocol):
    def print_receipt(self, session_id: str, document: object) -> PrintResult: ...


# ---------------------------------------------------------------- connectivity, audit


class ConnectivityPort(Protocol):
    def current(self) -> Connectivity: ...

    def subscribe(self, callback: Callable[[Connectivity], None]) -> Callable[[], None]: ...


class AuditPort(Protocol):
    def record(self, event: AuditEvent) -> None:
        """Durably queue the event (the outbox); called on a worker thread."""
        ...


# ---------------------------------------------------------------- queue health


class QueueHealthPort(Protocol):
    """Whether the durable queue (the outbox) can take new items now.

    When it cannot (disk full, read-only, corrupt store) the menu stops offering the
    services that enqueue, instead of refusing them only at submit time.
    """

    def accepting(self) -> bool: ...

    def subscribe(self, callback: Callable[[bool], None]) -> Callable[[], None]:
        """`callback(accepting)` on every change, on whichever thread noticed it."""
        ...


class StaticQueueHealth(Settable[bool]):
    """A queue-health source set by hand (tests, scripts); also the engine's default."""

    def __init__(self, accepting: bool = True) -> None:
        super().__init__(accepting)

    def accepting(self) -> bool:
        return self.get()


# ---------------------------------------------------------------- clock


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class ClockPort(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> dt.datetime:
        """Wall-clock time, UTC (audit records, receipts)."""
        ...

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        """Run `callback` (on the clock's thread) after `delay_s`; it must only post work."""
        ...


class _Timer:
    __slots__ = ("callback", "cancelled", "deadline")

    def __init__(self, deadline: float, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _TimerHeap:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Timer]] = []
        self._order = itertools.count()

    def push(self, timer: _Timer) -> None:
        heapq.heappush(self._heap, (timer.deadline, next(self._order), timer))

    def pop_due(self, now: float) -> list[_Timer]:
        due = []
        while self._heap and self._heap[0][0] <= now:
            timer = heapq.heappop(self._heap)[2]
            if not timer.cancelled:
                due.append(timer)
        return due

    def next_deadline(self) -> float | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None


class SystemClock:
    """Real time; one daemon thread fires all timers."""

    def __init__(self) -> None:
        self._timers = _TimerHeap()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="session-clock", daemon=True)
        self._thread.start()

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _Timer(time.monotonic() + max(0.0, delay_s), callback)
        with self._cond:
            self._timers.push(timer)
            self._cond.notify()
        return timer

    def _run(self) -> None:
        while True:
            with self._cond:
                deadline = self._timers.next_deadline()
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                if wait is None or wait > 0:
                    self._cond.wait(wait)
                due = self._timers.pop_due(time.monotonic())
            for timer in due:
                timer.callback()
