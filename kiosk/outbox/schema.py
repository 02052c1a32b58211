"""The outbox database schema and its migrations.

``PRAGMA user_version`` holds the schema version. `MIGRATIONS[n]` takes a database from
version n to n+1; all pending steps run in one ``BEGIN IMMEDIATE`` transaction, so a crash
during an upgrade leaves the old version intact. Never edit a released step: add one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_V1 = (
    # Items waiting for delivery, in flight, or dead. `payload` is AES-GCM sealed.
    """
    CREATE TABLE items (
        id TEXT PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        idempotency_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('submission', 'audit')),
        payload BLOB NOT NULL,
        created_at REAL NOT NULL,
        age_from REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at REAL NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'dead')),
        claimed_by TEXT,
        claimed_at REAL,
        dead_at REAL,
        CHECK ((state = 'in_flight') = (claimed_by IS NOT NULL))
    )
    """,
    "CREATE INDEX items_due ON items (state, next_attempt_at, id)",
    # What remains of an item once it left the outbox: nothing personal, no payload.
    """
    CREATE TABLE receipts (
        item_id TEXT PRIMARY KEY,
        reference TEXT NOT NULL UNIQUE,
        idempotency_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'discarded', 'purged')),
        created_at REAL NOT NULL,
        closed_at REAL NOT NULL,
        attempts INTEGER NOT NULL,
        confirmation TEXT
    )
    """,
    "CREATE TABLE reference_counters (day TEXT PRIMARY KEY, last INTEGER NOT NULL)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID",
)


def _migrate_to_v1(conn: sqlite3.Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_to_v1,)
SCHEMA_VERSION = len(MIGRATIONS)
