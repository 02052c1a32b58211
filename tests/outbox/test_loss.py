"""Issue 29 item 3: accepted items are counted outside the store, so every way of losing
them is found out and reported as "N items lost", exactly.

The oracle is the test's own bookkeeping of what it enqueued and delivered, plus where each
item's sealed payload sits in the raw file (``bytes.find``) or which commits a damaged WAL
drops (SQLite stops at the first frame whose checksum fails). It shares nothing with the
ledger. Each damage case states its number.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.__main__ import main
from kiosk.appliance.metrics import KioskMetrics
from kiosk.appliance.session_metrics import record_health
from kiosk.commands.outbox import record_loss
from kiosk.config import load_settings
from kiosk.config.settings import Settings
from kiosk.maintenance.health import Status, gather
from kiosk.maintenance.paths import audit_file
from kiosk.maintenance.probes import outbox_loss_probe
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.health import TechnicianAlert
from kiosk.outbox.ledger import LedgerTooNew, ledger_path
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.service import Outbox
from kiosk.outbox.store import OutboxStore, Settlement

from .linkage_env import write_kiosk_config
from .test_salvage import PAGE, _sealed_pages

ACCEPTED, DELIVERED = 160, 20


def ukey(name: str) -> str:
    """A fixed lowercase UUID per name: the only key form the outbox takes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_kiosk_config(tmp_path, "https://127.0.0.1:1")
    ensure_outbox_key(load_settings(path).outbox)
    return path


@pytest.fixture
def settings(config: Path) -> Settings:
    return load_settings(config)


def _store(settings: Settings) -> OutboxStore:
    return OutboxStore(settings.outbox.database, load_outbox_cipher(settings.outbox),
                       settings.kiosk.id)


def _accept_and_deliver(store: OutboxStore, first: int, count: int, deliver: int) -> list[str]:
    """Enqueue ``count`` items (keys k<first..>), deliver the first ``deliver`` of those
    due; returns the keys delivered."""
    rng = random.Random(first)
    for n in range(first, first + count):
        payload = rng.randbytes(rng.randrange(40, 3000))
        store.enqueue(ItemKind.SUBMISSION, payload, ukey(f"k{n:05d}"))
    batch = store.claim("t", deliver)
    store.settle("t", [Settlement(i.item_id, ItemState.DELIVERED) for i in batch])
    return [i.idempotency_key for i in batch]


def _baseline(settings: Settings) -> list[str]:
    """160 accepted, 20 delivered, everything checkpointed into the main file."""
    store = _store(settings)
    try:
        delivered = _accept_and_deliver(store, 0, ACCEPTED, DELIVERED)
    finally:
        store.close()
    assert not Path(f"{settings.outbox.database}-wal").exists()
    return delivered


def _crash_image(settings: Settings, work: Callable[[OutboxStore], None]) -> bytes:
    """Run ``work`` and leave the file as a power cut would: its newest commits only in
    the WAL (another connection keeps the WAL from being checkpointed). Returns the WAL."""
    db = settings.outbox.database
    keeper = sqlite3.connect(db)
    keeper.execute("SELECT count(*) FROM meta").fetchone()
    store = _store(settings)
    try:
        work(store)
    finally:
        store.close()
    main_bytes, wal = db.read_bytes(), Path(f"{db}-wal").read_bytes()
    keeper.close()  # checkpoints: put the crash image back afterwards
    db.write_bytes(main_bytes)
    Path(f"{db}-wal").write_bytes(wal)
    Path(f"{db}-shm").unlink(missing_ok=True)
    assert len(wal) > 32
    return wal


def _report(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, int, str]:
    """Health (this process opens the damaged store first), then `outbox status` (a fresh
    open, as another process or a restart would do). Returns (lost, resurrected, text)."""
    settings = load_settings(config)
    outbox = Outbox(settings.outbox, settings.kiosk.id)
    try:
        item = outbox_loss_probe(outbox)()
    finally:
        outbox.close()
    capsys.readouterr()
    assert main(["--config", str(config), "outbox", "status"]) == 0
    text = capsys.readouterr().out
    assert main(["--config", str(config), "outbox", "status", "--json"]) == 0
    ledger = json.loads(capsys.readouterr().out)["ledger"]
    lost = int(item.detail["lost_items"])  # type: ignore[arg-type]
    assert ledger["lost"] == lost and ledger["accepted"] >= ACCEPTED
    assert item.status is (Status.WARN if lost else Status.OK)
    if lost:
        assert f"{lost} items lost" in item.summary and f"{lost} items lost" in text
    return lost, int(item.detail["resurrected_items"]), text  # type: ignore[arg-type]


def test_zeroed_store_reports_every_accepted_item_lost(
        config: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _baseline(settings)
    db = settings.outbox.database
    db.write_bytes(bytes(db.stat().st_size))
    lost, resurrected, text = _report(config, capsys)
    assert (lost, resurrected) == (ACCEPTED - DELIVERED, 0) == (140, 0)
    assert "LOSS: 140 items lost" in text
    # The fleet metric and the health gauge, from the same probe a running kiosk uses.
    metrics = KioskMetrics()
    outbox = Outbox(settings.outbox, settings.kiosk.id)
    try:
        record_health(metrics, gather({"outbox_loss": outbox_loss_probe(outbox)}))
    finally:
        outbox.close()
    value = metrics.registry.get_sample_value
    assert value("kiosk_outbox_lost_items") == 140.0
    assert value("kiosk_outbox_resurrected_items") == 0.0
    assert value("kiosk_health_status", {"item": "outbox_loss"}) == 1.0


def test_store_truncated_to_half(
        config: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    delivered = _baseline(settings)
    db = settings.outbox.database
    data = db.read_bytes()
    where = _sealed_pages(db, data)
    cut = (len(data) // PAGE) // 2
    db.write_bytes(data[: cut * PAGE])
    expected = sum(1 for key, page in where.items() if page > cut and key not in delivered)
    lost, _, _ = _report(config, capsys)
    assert lost == expected == 88  # the page layout of these 160 items (UUID keys)


def test_random_pages_damaged(
        config: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _baseline(settings)
    db = settings.outbox.database
    data = bytearray(db.read_bytes())
    where = _sealed_pages(db, bytes(data))
    rng = random.Random(29)
    hit = set(rng.sample(sorted(set(where.values())), 6))  # six leaf pages of items
    for number in hit:
        start = (number - 1) * PAGE
        data[start : start + PAGE] = rng.randbytes(PAGE) if number % 2 else bytes(PAGE)
    db.write_bytes(bytes(data))
    expected = sum(1 for page in where.values() if page in hit)
    lost, _, _ = _report(config, capsys)
    assert lost == expected == 8  # the page layout of these 160 items (UUID keys)


def test_one_flipped_byte_in_the_wal(
        config: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _baseline(settings)
    wal = bytearray(_crash_image(
        settings, lambda s: [s.enqueue(ItemKind.SUBMISSION, b"n" * 500, ukey(f"new{n}"))
                             for n in range(15)]))
    wal[32 + 24 + 100] ^= 0x01  # page data of the first frame: its checksum now fails
    Path(f"{settings.outbox.database}-wal").write_bytes(bytes(wal))
    lost, resurrected, _ = _report(config, capsys)
    assert (lost, resurrected) == (15, 0)


def test_deleted_wal_loses_new_items_and_brings_delivered_ones_back(
        config: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    _baseline(settings)

    def more(store: OutboxStore) -> None:
        batch = store.claim("t", 20)  # 20 more delivered, then 10 new accepted
        store.settle("t", [Settlement(i.item_id, ItemState.DELIVERED) for i in batch])
        for n in range(10):
            store.enqueue(ItemKind.SUBMISSION, b"m" * 300, ukey(f"more{n}"))

    _crash_image(settings, more)
    Path(f"{settings.outbox.database}-wal").unlink()
    lost, resurrected, text = _report(config, capsys)
    assert (lost, resurrected) == (10, 20)
    assert "20 delivered item(s) came back" in text
    # Sent again (the centre's idempotency absorbs them): the counts do not move.
    store = _store(settings)
    try:
        while batch := store.claim("again", 50):
            store.settle("again", [Settlement(i.item_id, ItemState.DELIVERED) for i in batch])
        count = store.loss()
    finally:
        store.close()
    assert (count.lost, count.resurrected, count.waiting) == (10, 20, 0)
    assert (count.accepted, count.closed) == (ACCEPTED + 10, ACCEPTED + 10 - 10)


def test_loss_goes_to_the_audit_trail_once(settings: Settings) -> None:
    _baseline(settings)
    db = settings.outbox.database
    db.write_bytes(bytes(db.stat().st_size))
    for _ in range(2):  # two processes start after the damage: one audit line
        outbox = Outbox(settings.outbox, settings.kiosk.id)
        try:
            record_loss(settings, outbox)
        finally:
            outbox.close()
    trail = [json.loads(line) for line in audit_file(settings).read_text().splitlines()]
    assert [(t["action"], t["outcome"], t["lost"]) for t in trail] == [
        ("outbox_loss", "items_lost", "140")]


def test_no_damage_no_loss_and_a_missing_ledger_is_rebuilt(settings: Settings) -> None:
    _baseline(settings)
    store = _store(settings)
    try:
        count = store.loss()
        assert (count.accepted, count.closed, count.waiting, count.lost) == (160, 20, 140, 0)
    finally:
        store.close()
    ledger_path(settings.outbox.database).unlink()
    _rebuilt_without_loss(settings, "ledger file was missing")


def test_a_v1_store_is_numbered_at_the_upgrade(settings: Settings) -> None:
    store = _store(settings)
    try:
        _accept_and_deliver(store, 0, 7, 2)
    finally:
        store.close()
    db = settings.outbox.database
    with sqlite3.connect(db) as conn:  # what a v1 kiosk left behind
        conn.execute("DROP INDEX items_seq")
        conn.execute("ALTER TABLE items DROP COLUMN seq")
        conn.execute("ALTER TABLE receipts DROP COLUMN seq")
        conn.execute("DELETE FROM meta WHERE key = 'seq_last'")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    ledger_path(db).unlink()
    alerts: list[TechnicianAlert] = []
    store = OutboxStore(db, load_outbox_cipher(settings.outbox), settings.kiosk.id,
                        alerts=alerts.append)
    try:
        count = store.loss()
        assert (count.accepted, count.closed, count.waiting, count.lost) == (5, 0, 5, 0)
        assert store.schema_version == 2 and alerts == []
        seqs = sorted(r[0] for r in store._conn.execute("SELECT seq FROM items"))
        assert seqs == [1, 2, 3, 4, 5]
    finally:
        store.close()


def _rebuilt_without_loss(settings: Settings, alert_words: str) -> None:
    """Open the (intact) store: the ledger is rebuilt from it, the technician told."""
    alerts: list[TechnicianAlert] = []
    store = OutboxStore(settings.outbox.database, load_outbox_cipher(settings.outbox),
                        settings.kiosk.id, alerts=alerts.append)
    try:
        assert store.loss().lost == 0 and store.loss().accepted == 160
        assert any(alert_words in a.message for a in alerts)
    finally:
        store.close()


def test_a_damaged_ledger_is_set_aside_and_a_newer_one_refused(settings: Settings) -> None:
    _baseline(settings)
    path = ledger_path(settings.outbox.database)
    path.write_bytes(b"not a ledger" * 500)
    _rebuilt_without_loss(settings, "failed its check")
    (aside,) = path.parent.glob(f"{path.name}.corrupt-*Z")  # kept, not deleted
    assert aside.read_bytes() == b"not a ledger" * 500
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 9")
    conn.close()
    with pytest.raises(LedgerTooNew):
        _store(settings)
