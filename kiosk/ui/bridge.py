"""Between the session engine's thread and Kivy's main thread (no Kivy in here).

Views arrive on the engine's thread: we keep only the newest (by ``seq``) and ask the
main thread to draw it through a callback (in the app, a `Clock` trigger, which merges
bursts). Commands go the other way on one worker thread, so a tap never waits for the
engine, a device or the network, and commands keep the order they were tapped in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kiosk.session.view import SessionCommands, SessionView

log = logging.getLogger(__name__)


class SessionBridge:
    def __init__(self, engine: SessionCommands, wake_main_thread: Callable[[], None]) -> None:
        self.engine = engine
        self._wake = wake_main_thread
        self._lock = threading.Lock()
        self._pending: SessionView | None = None
        self._shown_seq = -1
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ui-commands")
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self.engine.subscribe(self._on_view)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _on_view(self, view: SessionView) -> None:
        """Engine thread: remember the newest view, wake the UI. Never touches widgets."""
        with self._lock:
            if self._pending is not None and view.seq <= self._pending.seq:
                return
            self._pending = view
        self._wake()

    def take(self) -> SessionView | None:
        """Main thread: the newest view not yet drawn, or None (stale or nothing new)."""
        with self._lock:
            view, self._pending = self._pending, None
        if view is None or view.seq <= self._shown_seq:
            return None
        self._shown_seq = view.seq
        return view

    def mark_shown(self, seq: int) -> None:
        """Main thread: a view of this seq was drawn by other means; older ones are stale."""
        with self._lock:
            self._shown_seq = max(self._shown_seq, seq)

    def send(self, command: str, *args: Any) -> Future[Any]:
        """Run ``engine.<command>(*args)`` on the worker thread; errors are logged."""
        method = getattr(self.engine, command)

        def call() -> Any:
            try:
                return method(*args)
            except Exception:
                log.exception("ui: session command %s failed", command)
                raise

        return self._worker.submit(call)

    def run_off_main(self, func: Callable[..., Any], *args: Any) -> Future[Any]:
        """Any other blocking work the UI starts (demo controls): same worker thread."""
        return self._worker.submit(func, *args)
