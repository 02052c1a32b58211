"""Receipt retention on a real SQLite file: old receipts go, young ones and exactly-once stay.

A receipt is what deduplicates a replayed enqueue after its item left the outbox, and what
a rebuilt ledger counts as closed. These tests show the purge deletes only what no replay
can need any more, keeps the ledger's count honest, and loses nothing when it fails.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config.settings import OutboxSettings
from kiosk.outbox.health import StoreHealth, TechnicianAlert
from kiosk.outbox.ledger import ledger_path
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.service import Outbox, OutboxUnavailable
from kiosk.outbox.store import OutboxStore, PurgeFailed, Settlement

from .conftest import KIOSK_ID, FakeClock, make_settings

Opener = Callable[..., OutboxStore]
DAY = 86400.0


def _deliver(store: OutboxStore, count: int, keys: list[str] | None = None) -> list[str]:
    keys = keys or [str(uuid.uuid4()) for _ in range(count)]
    ids = [store.enqueue(ItemKind.SUBMISSION, b"p-" + k.encode(), idempotency_key=k).item_id
           for k in keys]
    claimed = store.claim("lease", len(ids))
    assert store.settle("lease", [Settlement(i.item_id, ItemState.DELIVERED, "ok")
                                  for i in claimed]) == len(ids)
    return ids


def _receipt_ids(database: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return {r[0] for r in conn.execute("SELECT item_id FROM receipts")}


def test_receipts_older_than_retention_go_younger_stay(open_store: Opener, clock: FakeClock):
    store = open_store()
    old = _deliver(store, 4)
    clock.advance(20 * DAY)
    young = _deliver(store, 3)
    clock.advance(11 * DAY)  # old receipts are 31 days old, young ones 11
    assert store.purge_receipts(30 * DAY) == 4
    assert {r["item_id"] for r in store.receipts()} == set(young)
    assert all(store.item_state(i) is None for i in old)
    assert all(store.item_state(i) is ItemState.DELIVERED for i in young)
    assert store.purge_receipts(30 * DAY) == 0
    status = store.status()
    assert status.receipts_purged == 4 and status.counts[ItemState.DELIVERED] == 3


def test_a_replay_inside_retention_is_still_deduplicated(open_store: Opener, clock: FakeClock):
    store = open_store()
    key = str(uuid.uuid4())
    first = store.enqueue(ItemKind.SUBMISSION, b"payload", idempotency_key=key)
    claimed = store.claim("lease", 1)
    store.settle("lease", [Settlement(claimed[0].item_id, ItemState.DELIVERED, "ok")])
    clock.advance(29 * DAY)
    assert store.purge_receipts(30 * DAY) == 0
    again = store.enqueue(ItemKind.SUBMISSION, b"payload", idempotency_key=key)
    assert (again.item_id, again.reference) == (first.item_id, first.reference)
    assert store.status().counts[ItemState.PENDING] == 0  # no second item to deliver


def test_receipts_above_a_waiting_item_stay_so_a_rebuilt_ledger_counts_no_loss(
    open_store: Opener, clock: FakeClock, settings: OutboxSettings
):
    store = open_store()
    waiting = store.enqueue(ItemKind.SUBMISSION, b"still waiting")  # seq 1, never delivered
    claimed = store.claim("lease", 1)
    store.settle("lease", [Settlement(claimed[0].item_id, ItemState.DEAD, error="422")])
    later = _deliver(store, 3)  # seq 2..4
    clock.advance(40 * DAY)
    # Old enough, but a lower number still waits: a rebuilt ledger could not tell them
    # from lost items if their receipts went now.
    assert store.purge_receipts(30 * DAY) == 0
    store.discard_dead(waiting.item_id)  # it leaves; its receipt is young
    assert store.purge_receipts(30 * DAY) == 3
    assert {r["item_id"] for r in store.receipts()} == {waiting.item_id}
    assert not set(later) & {r["item_id"] for r in store.receipts()}
    _deliver(store, 2)  # seq 5, 6
    clock.advance(31 * DAY)
    assert store.purge_receipts(30 * DAY) == 3
    store.close()
    ledger_path(settings.database).unlink()
    alerts: list[TechnicianAlert] = []
    reopened = open_store(alerts=alerts.append)
    loss = reopened.loss()
    assert (loss.accepted, loss.closed, loss.lost) == (6, 6, 0)
    assert any("ledger" in a.message for a in alerts)  # the technician is still told


def test_a_locked_database_purges_nothing_and_says_so(open_store: Opener, clock: FakeClock,
                                                       settings: OutboxSettings):
    store = open_store()
    ids = _deliver(store, 5)
    clock.advance(31 * DAY)
    store._conn.execute("PRAGMA busy_timeout=200")  # not 30 s of waiting in a test
    with contextlib.closing(sqlite3.connect(settings.database, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process writing (a sender, a command)
        with pytest.raises(PurgeFailed, match="locked"):
            store.purge_receipts(30 * DAY)
        other.execute("ROLLBACK")
    assert _receipt_ids(settings.database) == set(ids)
    assert store.status().receipts_purged == 0
    assert store.purge_receipts(30 * DAY) == 5  # the next housekeeping round succeeds


def test_a_corrupt_receipts_table_fails_the_purge_typed_and_deletes_nothing(
    tmp_path: Path, settings: OutboxSettings, clock: FakeClock
):
    alerts: list[TechnicianAlert] = []
    outbox = Outbox(settings, KIOSK_ID, alerts=alerts.append, clock=clock)
    try:
        ids = outbox.call(lambda s: _deliver(s, 400), writes=True)
        pending = outbox.enqueue(ItemKind.SUBMISSION, b"waits").item_id
        clock.advance(31 * DAY)
        with contextlib.closing(sqlite3.connect(settings.database, isolation_level=None)) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = [r[0] for r in c.execute(
                "SELECT pageno FROM dbstat WHERE name = 'receipts' AND pagetype = 'leaf'")]
            page_size = c.execute("PRAGMA page_size").fetchone()[0]
            with open(settings.database, "r+b") as f:
                f.seek((pages[0] - 1) * page_size)
                original = f.read(page_size)
                f.seek((pages[0] - 1) * page_size)
                f.write(b"\xff" * page_size)
            # A commit elsewhere makes the store's connection drop its page cache, so it
            # reads the damaged page from the file as it would after a power cut.
            c.execute("INSERT INTO meta (key, value) VALUES ('touch', 1)")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with pytest.raises(OutboxUnavailable) as err:
            outbox.call(lambda s: s.purge_receipts(30 * DAY), writes=True)
        assert err.value.health is StoreHealth.CORRUPT
        assert outbox.health is StoreHealth.CORRUPT
        assert [a.health for a in alerts] == [StoreHealth.CORRUPT]
    finally:
        outbox.close()
    with open(settings.database, "r+b") as f:  # undo the damage: was anything deleted?
        f.seek((pages[0] - 1) * page_size)
        f.write(original)
    assert _receipt_ids(settings.database) == set(ids)
    with contextlib.closing(sqlite3.connect(settings.database)) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM items")] == [pending]


def test_the_senders_housekeeping_purges_receipts_past_the_configured_retention(
    tmp_path: Path, clock: FakeClock
):
    from .test_sender import ScriptedDeliverer, ok, sender_for

    settings = make_settings(tmp_path, receipt_retention_days=10)
    outbox = Outbox(settings, KIOSK_ID, clock=clock)
    try:
        sender = sender_for(outbox, ScriptedDeliverer(ok), clock)
        for _ in range(3):
            outbox.enqueue(ItemKind.SUBMISSION, b"x")
        sender.run_once()
        clock.advance(9 * DAY)
        sender._housekeeping()
        assert len(outbox.call(lambda s: s.receipts())) == 3  # younger than 10 days
        clock.advance(2 * DAY)
        sender._last_housekeeping = float("-inf")  # the next round, without waiting 30 s
        sender._housekeeping()
        assert outbox.call(lambda s: s.receipts()) == []
        assert outbox.call(lambda s: s.status()).receipts_purged == 3
    finally:
        outbox.close()
