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


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    """Sequence numbers for the accepted-items ledger (`kiosk.outbox.ledger`); additive.

    Items waiting at the upgrade are numbered 1..n in the order they were accepted; older
    receipts keep no number (they were settled before counting began). A kiosk that knows
    only v1 refuses a v2 file (`SchemaTooNew`) instead of settling items without numbers.
    """
    conn.execute("ALTER TABLE items ADD COLUMN seq INTEGER")
    conn.execute("ALTER TABLE receipts ADD COLUMN seq INTEGER")
    ids = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY created_at, id")]
    conn.executemany("UPDATE items SET seq = ? WHERE id = ?",
                     [(n, item_id) for n, item_id in enumerate(ids, 1)])
    conn.execute("CREATE UNIQUE INDEX items_seq ON items (seq)")
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('seq_last', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (len(ids),))


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_to_v1, _migrate_to_v2)
SCHEMA_VERSION = len(MIGRATIONS)
