"""The reference server's durable state in SQLite (sqlite-utils): Idempotency-Key dedup
with stored responses, audit events, and per-kiosk daily quotas. It survives restarts.

All calls come from the server's single event-loop thread; each check-then-write runs
without an ``await`` in between, so it is atomic with respect to other requests.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

# A request that was "in flight" when the server died is given up after this long, so a
# crash does not leave its key answering 409 forever.
IN_FLIGHT_ABANDON_S = 30.0
KEY_RETENTION_S = 24 * 3600.0


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes


@dataclass(frozen=True)
class SubmissionStats:
    key: str
    kiosk_id: str
    state: str
    accepted: int
    replays: int
    conflicts: int


class Begin:
    """Outcome of `Store.begin_submission`."""


@dataclass(frozen=True)
class Proceed(Begin):
    pass


@dataclass(frozen=True)
class Replay(Begin):
    response: StoredResponse


@dataclass(frozen=True)
class InFlight(Begin):
    pass


@dataclass(frozen=True)
class KeyReused(Begin):
    pass


def payload_hash(body: bytes) -> str:
    """Hash of the canonical JSON, so key order and spacing don't count as a new payload."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return hashlib.sha256(body).hexdigest()
    return hashlib.sha256(canonical.encode()).hexdigest()


F = TypeVar("F", bound=Callable[..., Any])


def _locked(method: F) -> F:
    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _submission_id(kiosk_id: str, key: str) -> str:
    """Keys are per kiosk: two kiosks may pick the same key without colliding."""
    return f"{kiosk_id}\x1f{key}"


class Store:
    def __init__(self, path: Path, *, in_flight_abandon_s: float = IN_FLIGHT_ABANDON_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.in_flight_abandon_s = in_flight_abandon_s
        self._clock = clock  # injected in tests: the abandon time without sleeping
        path.parent.mkdir(parents=True, exist_ok=True)
        # The server's loop thread writes; tests and the runner handle read from theirs.
        self._lock = threading.RLock()
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db["submissions"].create(
            {
                "id": str, "key": str, "kiosk_id": str, "payload_hash": str, "state": str,
                "status": int, "body": bytes, "accepted": int, "replays": int,
                "conflicts": int, "created_at": float, "updated_at": float,
            },
            pk="id",
            if_not_exists=True,
        )
        self.db["audit_events"].create(
            {
                "event_id": str, "kiosk_id": str, "occurred_at": str, "type": str,
                "masked_id": str, "services": str, "outcome": str, "received_at": float,
            },
            pk="event_id",
            if_not_exists=True,
        )
        self.db["quota"].create(
            {"id": str, "kiosk_id": str, "day": str, "used": int}, pk="id", if_not_exists=True
        )

    @_locked
    def close(self) -> None:
        self.db.conn.close()

    # -- idempotency --------------------------------------------------------------------------
    @_locked
    def begin_submission(self, kiosk_id: str, key: str, digest: str) -> Begin:
        now = self._clock()
        table = self.db["submissions"]
        rid = _submission_id(kiosk_id, key)
        try:
            row = table.get(rid)
        except sqlite_utils.db.NotFoundError:
            row = None
        if row is not None and now - row["created_at"] > KEY_RETENTION_S:
            table.delete(rid)
            row = None
        if row is None:
            table.insert(
                {
                    "id": rid, "key": key, "kiosk_id": kiosk_id, "payload_hash": digest,
                    "state": "in_flight", "status": 0, "body": b"", "accepted": 0,
                    "replays": 0, "conflicts": 0, "created_at": now, "updated_at": now,
                }
            )
            return Proceed()
        if row["payload_hash"] != digest:
            table.update(rid, {"conflicts": row["conflicts"] + 1})
            return KeyReused()
        if row["state"] == "in_flight":
            if now - row["updated_at"] > self.in_flight_abandon_s:
                table.update(rid, {"updated_at": now})
                return Proceed()
            table.update(rid, {"conflicts": row["conflicts"] + 1})
            return InFlight()
        table.update(rid, {"replays": row["replays"] + 1})
        return Replay(StoredResponse(row["status"], row["body"]))

    @_locked
    def finish_submission(self, kiosk_id: str, key: str, response: StoredResponse) -> None:
        rid = _submission_id(kiosk_id, key)
        row = self.db["submissions"].get(rid)
        accepted = row["accepted"] + (1 if 200 <= response.status < 300 else 0)
        self.db["submissions"].update(
            rid,
            {
                "state": "done", "status": response.status, "body": response.body,
                "accepted": accepted, "updated_at": self._clock(),
            },
        )

    @_locked
    def submission_stats(self) -> list[SubmissionStats]:
        return [
            SubmissionStats(
                key=r["key"], kiosk_id=r["kiosk_id"], state=r["state"], accepted=r["accepted"],
                replays=r["replays"], conflicts=r["conflicts"],
            )
            for r in self.db["submissions"].rows_where(order_by="created_at")
        ]

    # -- audit ----------------------------------------------------------------------------------
    @_locked
    def add_audit_events(self, events: list[dict[str, Any]]) -> tuple[int, int]:
        """Insert events, ignoring already-known event IDs; (accepted, duplicates)."""
        before = self.db["audit_events"].count
        now = self._clock()
        self.db["audit_events"].insert_all(
            ({**e, "received_at": now} for e in events), ignore=True
        )
        accepted = self.db["audit_events"].count - before
        return accepted, len(events) - accepted

    @_locked
    def audit_events(self) -> list[dict[str, Any]]:
        return list(self.db["audit_events"].rows_where(order_by="rowid"))

    @_locked
    def audit_events_for_admin(self) -> list[dict[str, Any]]:
        return [{**e, "services": json.loads(e["services"])} for e in self.audit_events()]

    # -- quota ------------------------------------------------------------------------------------
    @_locked
    def take_quota(self, kiosk_id: str, day: str, limit: int | None) -> bool:
        """Count one request against today's quota; False (and nothing counted) when used up."""
        rid = f"{kiosk_id}/{day}"
        try:
            used = self.db["quota"].get(rid)["used"]
        except sqlite_utils.db.NotFoundError:
            used = 0
        if limit is not None and used >= limit:
            return False
        self.db["quota"].upsert({"id": rid, "kiosk_id": kiosk_id, "day": day, "used": used + 1},
                                pk="id")
        return True

    @_locked
    def reset_quota(self) -> None:
        self.db["quota"].delete_where()
