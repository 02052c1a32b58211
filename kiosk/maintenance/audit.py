"""Every maintenance action goes into the audit trail — and never any citizen data.

An action is recorded three ways: a line in a local JSONL file in the state dir (the
technician can see it offline and it goes into the diagnostics bundle), a counter in the
metrics, and — when the kiosk's audit port is wired (the outbox) — an audit event of type
``maintenance.<action>`` that reaches the Linkage Center like the session's own events.

Call `record` from a worker thread (the port writes durably); it never raises for a
failing port, because a maintenance action must not fail for want of an audit line: the
local file still has it and the failure is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from kiosk.appliance import metrics
from kiosk.session.ports import AuditEvent, AuditPort

log = logging.getLogger(__name__)

_ACTION = re.compile(r"^[a-z][a-z0-9_]{1,36}$")
# Detail values are single technical tokens (item ids, profile names, outcomes): no
# spaces, so no free text that could carry a name.
_DETAIL_VALUE = re.compile(r"^[A-Za-z0-9_.:/-]{0,80}$")
_DIGIT_RUN = re.compile(r"[0-9]{13}")
MAINTENANCE_SESSION = "maintenance"


class AuditTrail:
    def __init__(
        self,
        kiosk_id: str,
        local_file: Path,
        *,
        port: AuditPort | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._kiosk_id = kiosk_id
        self._file = local_file
        self._port = port
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, action: str, outcome: str = "ok", **detail: str | int) -> None:
        if not _ACTION.match(action):
            raise ValueError(f"maintenance action must be a short snake_case word: {action!r}")
        clean = {k: _clean(v) for k, v in detail.items()}
        outcome = _clean(outcome)[:64]
        at = self._clock()
        line = json.dumps({"at": at.isoformat(), "kiosk": self._kiosk_id,
                           "action": action, "outcome": outcome, **clean}, sort_keys=True)
        with self._lock:
            self._append(line)
        log.info("maintenance action %s: %s", action, outcome)
        metrics.record_maintenance(action)
        if self._port is not None:
            event = AuditEvent(f"maintenance.{action}", at, MAINTENANCE_SESSION, "",
                               {"outcome": outcome, **{k: str(v) for k, v in clean.items()}})
            try:
                self._port.record(event)
            except Exception:
                log.exception("maintenance audit event %s not queued (kept locally)", action)

    def recent(self, limit: int = 200) -> list[str]:
        """The last ``limit`` lines of the local trail, oldest first."""
        try:
            with self._file.open(encoding="utf-8") as fh:
                return list(deque((line.rstrip("\n") for line in fh), maxlen=limit))
        except FileNotFoundError:
            return []

    def _append(self, line: str) -> None:
        self._file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def _clean(value: str | int) -> str:
    text = str(value)
    if not _DETAIL_VALUE.match(text) or _DIGIT_RUN.search(text):
        # Free text could carry anything; the trail keeps only short technical tokens.
        return "[omitted]"
    return text
