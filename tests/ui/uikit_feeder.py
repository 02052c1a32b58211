"""Puts chosen views on screen, standing in for the session engine in rendering tests.

Only the screen-by-screen rendering tests use this (to show, say, an expired card or a
paper-out result without staging it); the full-session test drives the real engine. Views
are published from a thread of their own, as the engine does, and every command the UI
sends is recorded so a test can check what a tap asked for.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kiosk.session.view import Screen, SessionView, ViewCallback

_FEEDERS = itertools.count(1)


class ViewFeeder:
    def __init__(self) -> None:
        # Each test (one feeder each) is its own citizen: what one test opened, scrolled
        # or toggled never carries into the next, whatever the order they run in.
        self.session_id = f"session-{next(_FEEDERS)}"
        self._callbacks: list[ViewCallback] = []
        self._seq = 0
        self._lock = threading.Lock()
        self.view = SessionView(seq=0, session_id=None, screen=Screen.IDLE)
        self.commands: list[tuple[str, tuple[Any, ...]]] = []
        self.command_seen = threading.Condition()

    def subscribe(self, callback: ViewCallback) -> Callable[[], None]:
        self._callbacks.append(callback)
        self._deliver(self.view)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def show(self, **fields: Any) -> SessionView:
        with self._lock:
            self._seq += 1
            fields.setdefault("session_id", self.session_id)
            self.view = replace(SessionView(seq=self._seq, session_id=None, screen=Screen.IDLE),
                                **fields)
        self._deliver(self.view)
        return self.view

    def _deliver(self, view: SessionView) -> None:
        thread = threading.Thread(target=lambda: [cb(view) for cb in list(self._callbacks)])
        thread.start()
        thread.join()

    def _record(self, name: str, *args: Any) -> None:
        with self.command_seen:
            self.commands.append((name, args))
            self.command_seen.notify_all()

    def wait_command(self, name: str, timeout: float = 5.0) -> tuple[Any, ...]:
        with self.command_seen:
            ok = self.command_seen.wait_for(
                lambda: any(c == name for c, _ in self.commands), timeout)
        assert ok, f"the UI did not send {name!r}; sent {[c for c, _ in self.commands]}"
        return next(args for c, args in self.commands if c == name)

    # SessionCommands: record, never act.
    def proceed(self) -> None: self._record("proceed")
    def choose_service(self, service_id: str) -> None: self._record("choose_service", service_id)
    def give_consent(self) -> None: self._record("give_consent")
    def decline(self) -> None: self._record("decline")
    def extend(self) -> None: self._record("extend")
    def print_result(self) -> None: self._record("print_result")
    def back(self) -> None: self._record("back")
    def finish(self) -> None: self._record("finish")
    def set_language(self, language: str) -> None: self._record("set_language", language)
    def touch(self) -> None: self._record("touch")
    def report_fault(self, fault_ref: str) -> None: self._record("report_fault", fault_ref)
