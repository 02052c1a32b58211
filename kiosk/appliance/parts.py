"""Which parts the kiosk needs are down now, for the out-of-service screen.

A part is down when the recovery unit marked its unit (`kiosk.appliance.recover`: systemd
gave up on it and it waits for its retry), or — when the outbox sender runs in its own
unit — when the sender's heartbeat is stale (`kiosk.appliance.heartbeat`). `PartsWatch`
checks every `INTERVAL_S` on its own thread and hands each change to a callback (the
session engine's ``set_parts_down``, which posts it to the engine's own thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.appliance.heartbeat import heartbeat_path, read_beat
from kiosk.appliance.recover import parts_down

log = logging.getLogger(__name__)
INTERVAL_S = 2.0
SENDER = "linkage-kiosk-outbox.service"


def down_now(state_dir: Path, *, watch_sender: bool, own_unit: str | None = None) -> frozenset[str]:
    down = {p.unit for p in parts_down(state_dir)}
    if own_unit:
        down.discard(own_unit)  # we are running: our own mark is about to go
    if watch_sender and not read_beat(heartbeat_path(state_dir)).running():
        down.add(SENDER)
    return frozenset(down)


class PartsWatch:
    def __init__(self, state_dir: Path, report: Callable[[frozenset[str]], None], *,
                 watch_sender: bool, own_unit: str | None = "linkage-kiosk.service",
                 interval_s: float = INTERVAL_S) -> None:
        self._state_dir = state_dir
        self._report = report
        self._watch_sender = watch_sender
        self._own_unit = own_unit
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: frozenset[str] | None = None

    def check(self) -> frozenset[str]:
        down = down_now(self._state_dir, watch_sender=self._watch_sender,
                        own_unit=self._own_unit)
        if down != self._last:
            if down:
                log.warning("parts down: %s", ", ".join(sorted(down)))
            elif self._last:
                log.info("all parts up again")
            self._last = down
            self._report(down)
        return down

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="parts-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval_s + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:
                log.exception("parts watch failed; checking again")
            self._stop.wait(self._interval_s)
