"""Issue 16: a damaged outbox is salvaged row by row, never stranded.

The oracle does not share the salvage's file-format reader: before damaging the file, each
item's sealed payload is located in the raw bytes (``bytes.find``), which names the page
that holds the item's row. Pages are then really damaged (garbage, zeros or a few flipped
bytes, at random positions, many seeds). Every item whose page was left untouched must be
delivered exactly once afterwards; nothing delivered before comes back; nothing twice.
"""

from __future__ import annotations

import collections
import json
import random
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from kiosk.__main__ import main
from kiosk.config import load_settings
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.health import StoreHealth, TechnicianAlert
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.salvage import read_damaged_outbox
from kiosk.outbox.store import OutboxStore, Settlement

from .conftest import KIOSK_ID, FakeClock, make_settings
from .linkage_env import write_kiosk_config

PAGE = 4096


def ukey(name: str) -> str:
    """A fixed lowercase UUID per name: the only key form the outbox takes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _fill(store: OutboxStore, rng: random.Random, count: int) -> tuple[dict[str, bytes], set[str]]:
    """Enqueue ``count`` items; deliver some, leave some in flight. Returns the waiting
    items (key -> plaintext) and the keys delivered before the damage."""
    waiting: dict[str, bytes] = {}
    for n in range(count):
        payload = rng.randbytes(rng.randrange(40, 3000))  # stays on one page (no overflow)
        receipt = store.enqueue(ItemKind.SUBMISSION, payload, ukey(f"key-{n:05d}"))
        waiting[receipt.idempotency_key] = payload
    delivered: set[str] = set()
    claimed = store.claim("before", count // 3)
    done = [c for c in claimed if rng.random() < 0.7]
    store.settle("before", [Settlement(c.item_id, ItemState.DELIVERED) for c in done])
    for c in done:
        delivered.add(c.idempotency_key)
        del waiting[c.idempotency_key]
    return waiting, delivered  # the rest of `claimed` stays in flight (a sender died)


def _sealed_pages(database: Path, data: bytes) -> dict[str, int]:
    """key -> page number holding the item's row, found by searching the raw bytes."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT idempotency_key, payload FROM items").fetchall()
    pages = {}
    for key, sealed in rows:
        offset = data.find(sealed)
        assert offset > 0 and data.find(sealed, offset + 1) == -1
        assert offset // PAGE == (offset + len(sealed) - 1) // PAGE
        pages[key] = offset // PAGE + 1
    return pages


def _damage(data: bytearray, rng: random.Random) -> set[int]:
    pages = len(data) // PAGE
    hit = set(rng.sample(range(1, pages + 1), rng.randint(1, min(4, pages))))
    for number in hit:
        start = (number - 1) * PAGE
        mode = rng.choice(("garbage", "zeros", "flips"))
        if mode == "garbage":
            data[start : start + PAGE] = rng.randbytes(PAGE)
        elif mode == "zeros":
            data[start : start + PAGE] = bytes(PAGE)
        else:
            for _ in range(rng.randint(1, 8)):
                data[start + rng.randrange(PAGE)] ^= 1 << rng.randrange(8)
    return hit


def _deliver_all(store: OutboxStore) -> collections.Counter[str]:
    """Claim until nothing is due; returns how often each key went out."""
    sent: collections.Counter[str] = collections.Counter()
    while batch := store.claim("after", 50):
        sent.update(c.idempotency_key for c in batch)
        store.settle("after", [Settlement(c.item_id, ItemState.DELIVERED) for c in batch])
    return sent


def test_random_page_damage_delivers_every_readable_row_exactly_once(tmp_path: Path) -> None:
    """120 seeds of random page damage; most must really go through the salvage (one test,
    so the count does not depend on the order tests run in)."""
    salvaged = [seed for seed in range(120) if _damage_and_deliver(tmp_path / str(seed), seed)]
    assert len(salvaged) >= 60, salvaged


def _damage_and_deliver(tmp_path: Path, seed: int) -> bool:
    """One seed: every readable row delivered exactly once; True if it went through the
    salvage (the integrity check failed)."""
    tmp_path.mkdir()
    rng = random.Random(seed)
    settings = make_settings(tmp_path)
    clock = FakeClock()
    sealer = load_outbox_cipher(settings)
    store = OutboxStore(settings.database, sealer, KIOSK_ID, clock=clock)
    waiting, delivered = _fill(store, rng, rng.randint(60, 160))
    store.close()
    data = bytearray(settings.database.read_bytes())
    assert not Path(f"{settings.database}-wal").exists()  # closing checkpointed everything
    where = _sealed_pages(settings.database, bytes(data))
    damaged = _damage(data, rng)
    settings.database.write_bytes(bytes(data))
    readable = {key for key, page in where.items() if page not in damaged}

    alerts: list[TechnicianAlert] = []
    clock.advance(60)
    fresh = OutboxStore(settings.database, sealer, KIOSK_ID, clock=clock, alerts=alerts.append)
    try:
        if fresh.recovered_from is not None:
            assert fresh.salvage is not None
            assert fresh.recovered_from.read_bytes() == bytes(data)  # kept byte for byte
            assert [a.health for a in alerts] == [StoreHealth.CORRUPT]
            assert fresh.salvage.summary() in alerts[0].message
            assert fresh.salvage.salvaged + fresh.salvage.lost <= len(waiting)
            assert fresh.salvage.salvaged >= len(readable)
            # The ledger beside the store counts exactly what the salvage could not give
            # back (the salvage's own "lost" is a lower bound).
            assert fresh.loss().lost == len(waiting) - fresh.salvage.salvaged
            assert f"{fresh.loss().lost} items lost" in alerts[0].message or \
                fresh.loss().lost == 0
        else:
            assert fresh.loss().lost == 0, f"seed {seed}"
        fresh.reclaim(["before"], max_attempts=100)  # the sender that died (no salvage)
        sent = _deliver_all(fresh)
    finally:
        fresh.close()
    assert readable <= set(sent), f"seed {seed}: readable rows not delivered: " \
        f"{readable - set(sent)}"
    assert not set(sent) & delivered, f"seed {seed}: an item delivered before the damage"
    assert set(sent) <= set(waiting), f"seed {seed}"
    assert max(sent.values(), default=1) == 1, f"seed {seed}"
    return fresh.recovered_from is not None


def test_salvaged_payloads_are_the_originals_and_a_second_salvage_adds_nothing(
    tmp_path: Path,
) -> None:
    rng = random.Random(7)
    settings = make_settings(tmp_path)
    sealer = load_outbox_cipher(settings)
    store = OutboxStore(settings.database, sealer, KIOSK_ID, clock=FakeClock())
    waiting, _ = _fill(store, rng, 120)
    store.close()
    data = bytearray(settings.database.read_bytes())
    where = _sealed_pages(settings.database, bytes(data))
    victim = collections.Counter(where.values()).most_common(1)[0][0]
    data[(victim - 1) * PAGE : victim * PAGE] = bytes(PAGE)  # one leaf page zeroed
    settings.database.write_bytes(bytes(data))
    alerts: list[TechnicianAlert] = []
    fresh = OutboxStore(settings.database, sealer, KIOSK_ID, clock=FakeClock(),
                        alerts=alerts.append)
    try:
        assert fresh.salvage is not None and fresh.recovered_from is not None
        lost_keys = {k for k, page in where.items() if page == victim}
        assert fresh.salvage.lost == len(lost_keys)  # the index still names them
        assert fresh.salvage.salvaged == len(waiting) - len(lost_keys)
        again = fresh.salvage_file(fresh.recovered_from)  # the technician runs it twice
        assert again.imported == 0
        items = fresh.claim("check", 1000)
    finally:
        fresh.close()
    assert {i.idempotency_key: i.payload for i in items} == {
        k: v for k, v in waiting.items() if k not in lost_keys
    }


def test_rows_still_in_the_wal_are_salvaged(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sealer = load_outbox_cipher(settings)
    store = OutboxStore(settings.database, sealer, KIOSK_ID, clock=FakeClock())
    keys = [store.enqueue(ItemKind.SUBMISSION, b"x" * 300, ukey(f"k{n}")).idempotency_key
            for n in range(30)]
    # A crash snapshot: another connection keeps the WAL from being checkpointed on close.
    keeper = sqlite3.connect(settings.database)
    keeper.execute("SELECT count(*) FROM items").fetchone()
    store.close()
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy(f"{settings.database}{suffix}", snapshot / f"outbox.sqlite3{suffix}")
    keeper.close()
    assert (snapshot / "outbox.sqlite3-wal").stat().st_size > 0
    result = read_damaged_outbox(snapshot / "outbox.sqlite3", sealer)
    assert sorted(i.idempotency_key for i in result.items) == sorted(keys)
    assert result.lost == 0


def test_salvage_command_imports_a_file_set_aside_earlier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_kiosk_config(tmp_path, "https://127.0.0.1:1")
    live = load_settings(config).outbox
    ensure_outbox_key(live)
    sealer = load_outbox_cipher(live)
    old = tmp_path / "old" / "outbox.sqlite3"
    store = OutboxStore(old, sealer, KIOSK_ID, clock=FakeClock())
    for n in range(40):
        store.enqueue(ItemKind.SUBMISSION, b"y" * 200, ukey(f"k{n}"))
    store.close()
    data = bytearray(old.read_bytes())
    data[:PAGE] = bytes(PAGE)  # page 1: the header and the schema are gone
    aside = old.with_name("outbox.sqlite3.corrupt-20261130T000000Z")
    aside.write_bytes(bytes(data))
    command = ["--config", str(config), "outbox", "salvage", str(aside)]
    assert main(command) == 0
    assert "40 salvaged, 0 lost; 40 new in the queue" in capsys.readouterr().out
    assert main(command) == 0  # running it again delivers nothing twice
    assert "40 salvaged, 0 lost; 0 new in the queue" in capsys.readouterr().out
    from kiosk.maintenance.paths import audit_file

    trail = [json.loads(line) for line in
             audit_file(load_settings(config)).read_text().splitlines()]
    assert [(t["action"], t["salvaged"], t["lost"]) for t in trail] == [
        ("outbox_salvage", "40", "0")] * 2  # the technician's audit trail has both runs
    assert aside.read_bytes() == bytes(data)
    assert main(["--config", str(config), "outbox", "salvage", str(tmp_path / "none")]) == 1
    reopened = OutboxStore(live.database, sealer, KIOSK_ID, clock=FakeClock())
    try:
        kinds = dict(reopened._conn.execute(
            "SELECT kind, count(*) FROM items WHERE state = 'pending' GROUP BY kind"))
        assert kinds == {"submission": 40, "audit": 2}  # the two salvage audit events
    finally:
        reopened.close()


def test_rows_with_overflow_pages_are_read_whole(tmp_path: Path) -> None:
    """Payloads larger than a page continue on overflow pages: read back byte for byte."""
    settings = make_settings(tmp_path)
    sealer = load_outbox_cipher(settings)
    store = OutboxStore(settings.database, sealer, KIOSK_ID, clock=FakeClock())
    rng = random.Random(3)
    sent = {ukey(f"k{n}"): rng.randbytes(rng.randrange(5_000, 60_000)) for n in range(12)}
    for key, payload in sent.items():
        store.enqueue(ItemKind.SUBMISSION, payload, key)
    store.close()
    result = read_damaged_outbox(settings.database, sealer)
    got = {i.idempotency_key: sealer.open(i.item_id, i.idempotency_key, i.payload)
           for i in result.items}
    assert got == sent and result.lost == 0
