"""Upgrades and rollbacks meet the outbox store: schema changes are additive, a newer
release reads an older store with every queued item intact, and an older release (after a
rollback) refuses a store a newer one migrated, without changing a byte of it.

The "newer release" is the current code plus one additive migration step, the way a real
next release would add one to kiosk/outbox/schema.py's MIGRATIONS (never editing a step).
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from pathlib import Path

import pytest

import kiosk.outbox.store as store_module
from kiosk.crypto_at_rest import AtRestCipher
from kiosk.outbox.crypto import ItemSealer
from kiosk.outbox.leases import SenderLease
from kiosk.outbox.model import ItemKind
from kiosk.outbox.schema import MIGRATIONS, SCHEMA_VERSION
from kiosk.outbox.store import OutboxStore, SchemaTooNew

KEY = b"\x07" * 32


def ukey(name: str) -> str:
    """A fixed lowercase UUID per name: the only key form the outbox takes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _additive_step(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE items ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")


def open_store(db: Path) -> OutboxStore:
    return OutboxStore(db, ItemSealer(AtRestCipher(KEY)), "ksk-test-001")


@pytest.fixture
def newer_release(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, _additive_step))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    return SCHEMA_VERSION + 1


def _queue(db: Path, n: int) -> None:
    store = open_store(db)
    try:
        for i in range(n):
            store.enqueue(ItemKind.SUBMISSION, f'{{"n": {i}}}'.encode(), ukey(f"key-{i}"))
    finally:
        store.close()


def _digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def test_newer_release_reads_an_older_store_with_every_item(tmp_path: Path,
                                                            newer_release: int) -> None:
    db = tmp_path / "outbox.sqlite3"
    with pytest.MonkeyPatch.context() as old:  # the running (older) release queues
        old.setattr(store_module, "MIGRATIONS", MIGRATIONS)
        old.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION)
        _queue(db, 20)
    store = open_store(db)  # the upgraded release migrates, additively
    try:
        assert store.schema_version == newer_release
        lease = SenderLease(db, now_s=0.0)
        items = store.claim(lease.lease_id, limit=50)
        assert sorted(i.idempotency_key for i in items) == sorted(
            ukey(f"key-{i}") for i in range(20))
        assert sorted(i.payload for i in items) == sorted(
            f'{{"n": {i}}}'.encode() for i in range(20))
        lease.release()
    finally:
        store.close()


def test_older_release_refuses_a_newer_store_and_leaves_it_intact(tmp_path: Path) -> None:
    db = tmp_path / "outbox.sqlite3"
    with pytest.MonkeyPatch.context() as newer:  # the newer release migrated and queued
        newer.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, _additive_step))
        newer.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        _queue(db, 5)
    before = _digest(db)
    with pytest.raises(SchemaTooNew, match="newer version"):
        open_store(db)  # the rolled-back release
    assert _digest(db) == before
    with pytest.MonkeyPatch.context() as newer:  # and the newer release still has them all
        newer.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, _additive_step))
        newer.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
        store = open_store(db)
        try:
            assert store.status().counts[store_module.ItemState.PENDING] == 5
        finally:
            store.close()


def test_every_released_migration_step_only_adds() -> None:
    # An additive schema: no DROP, no RENAME, no rewrite of a column in any released step.
    import inspect

    from kiosk.outbox import schema

    text = inspect.getsource(schema).upper()
    for word in ("DROP ", "RENAME ", "ALTER COLUMN"):
        assert word not in text, word
