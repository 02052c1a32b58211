"""Every maintenance action goes into the audit trail — and never any citizen data.

An action is recorded three ways: a line in a local JSONL file in the state dir (the
technician can see it offline and it goes into the diagnostics bundle), a counter in the
metrics, and — when an outbox is given — an audit event of type ``maintenance.<action>``
(the Linkage contract's `AuditEvent`, no masked ID) queued durably like the session's own
events, which the outbox sender delivers to the Linkage Center.

Call `record` from a worker thread (the local line is fsynced); it never raises for a
failing outbox, because a maintenance action must not fail for want of an audit line: the
local file still has it and the failure is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.appliance import metrics

if TYPE_CHECKING:
    from kiosk.outbox.service import Outbox

log = logging.getLogger(__name__)

_ACTION = re.compile(r"^[a-z][a-z0-9_]{1,36}$")
# Detail values are single technical tokens (item ids, profile names, outcomes): no
# spaces, so no free text that could carry a name.
_DETAIL_VALUE = re.compile(r"^[A-Za-z0-9_.:/-]{0,80}$")
_DIGIT_RUN = re.compile(r"[0-9]{13}")


class AuditTrail:
    def __init__(
        self,
        kiosk_id: str,
        local_file: Path,
        *,
        outbox: Outbox | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._kiosk_id = kiosk_id
        self._file = local_file
        self._outbox = outbox
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
        if self._outbox is not None:
            self._queue(action, outcome, at)

    def _queue(self, action: str, outcome: str, at: dt.datetime) -> None:
        from kiosk.linkage.models import AuditEvent
        from kiosk.outbox.model import ItemKind

        event_id = str(uuid.uuid4())
        event = AuditEvent(eventID=event_id, occurredAt=at, type=f"maintenance.{action}",
                           kioskID=self._kiosk_id, outcome=outcome)
        assert self._outbox is not None
        try:
            future = self._outbox.enqueue_async(
                ItemKind.AUDIT, event.model_dump_json().encode(), event_id)
        except Exception:
            log.exception("maintenance audit event %s not queued (kept locally)", action)
            return

        def done(f: object) -> None:
            exc = future.exception()
            if exc is not None:
                log.error("maintenance audit event %s not queued (kept locally): %s",
                          action, exc.__class__.__name__)

        future.add_done_callback(done)

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
