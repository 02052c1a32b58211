"""The store on a real SQLite file: durability settings, encryption, claims, settlements."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kiosk.config.loader import REPO_ROOT
from kiosk.config.settings import OutboxSettings
from kiosk.crypto_at_rest import generate_key_file
from kiosk.outbox.crypto import load_outbox_cipher
from kiosk.outbox.health import TechnicianAlert
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.schema import SCHEMA_VERSION
from kiosk.outbox.store import (
    InvalidIdempotencyKey,
    KeyMismatch,
    OutboxStore,
    SchemaTooNew,
    Settlement,
    StoreError,
)

from .conftest import KIOSK_ID, FakeClock

Opener = Callable[..., OutboxStore]
SECRET = '{"cid": "1101700230705", "name": "สมชาย"}'.encode()


def test_database_is_wal_fsynced_and_versioned(open_store: Opener, settings: OutboxSettings):
    store = open_store()
    # The owner connection's own settings (a per-connection pragma cannot be seen from outside).
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    with sqlite3.connect(settings.database) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert settings.database.stat().st_mode & 0o777 == 0o600


def test_enqueue_returns_reference_and_seals_payload(open_store: Opener, settings: OutboxSettings):
    store = open_store()
    receipt = store.enqueue(ItemKind.SUBMISSION, SECRET)
    assert re.fullmatch(rf"{KIOSK_ID}-\d{{8}}-\d{{6}}", receipt.reference)
    store.close()
    raw = b"".join(p.read_bytes() for p in settings.database.parent.glob("outbox.sqlite3*")
                   if p.is_file())
    assert b"1101700230705" not in raw and "สมชาย".encode() not in raw
    with sqlite3.connect(settings.database) as other:
        (sealed,) = other.execute("SELECT payload FROM items").fetchone()
    assert load_outbox_cipher(settings).open(receipt.item_id, receipt.idempotency_key,
                                             sealed) == SECRET


def test_references_are_unique_and_increasing(open_store: Opener, clock: FakeClock):
    store = open_store()
    refs = [store.enqueue(ItemKind.AUDIT, b"{}").reference for _ in range(20)]
    assert len(set(refs)) == 20 and refs == sorted(refs)
    clock.advance(86400)  # the next Bangkok day starts its own counter at 1
    assert store.enqueue(ItemKind.AUDIT, b"{}").reference.endswith("-000001")


def test_fresh_database_does_not_reuse_todays_numbers(
    open_store: Opener, settings: OutboxSettings, clock: FakeClock
):
    first = open_store().enqueue(ItemKind.SUBMISSION, b"a").reference
    clock.advance(60)
    other_dir = settings.database.parent / "again"
    other_dir.mkdir()
    again = OutboxStore(other_dir / "outbox.sqlite3", load_outbox_cipher(settings), KIOSK_ID,
                        clock=clock)
    second = again.enqueue(ItemKind.SUBMISSION, b"a").reference
    again.close()
    assert first[:-6] == second[:-6] and second > first


def test_same_idempotency_key_is_the_same_item(open_store: Opener):
    store = open_store()
    key = "0b7e2a3c-5d4f-4e6a-9b8c-7d6e5f4a3b2c"
    a = store.enqueue(ItemKind.SUBMISSION, b"payload", idempotency_key=key)
    assert store.enqueue(ItemKind.SUBMISSION, b"payload", idempotency_key=key) == a
    with pytest.raises(StoreError, match="different payload"):
        store.enqueue(ItemKind.SUBMISSION, b"other", idempotency_key=key)
    assert store.status().counts[ItemState.PENDING] == 1


def _contract_key_pattern() -> str:
    """The Idempotency-Key header's pattern, read from the OpenAPI document itself."""
    spec = yaml.safe_load((REPO_ROOT / "docs" / "linkage-api.yaml").read_text("utf-8"))
    patterns = {p["schema"]["pattern"] for path in spec["paths"].values()
                for op in path.values() if isinstance(op, dict)
                for p in op.get("parameters", []) if p.get("name") == "Idempotency-Key"}
    (pattern,) = patterns
    return str(pattern)


@pytest.mark.parametrize("key", [
    "key-1", "bad\nkey", "", "0B7E2A3C-5D4F-4E6A-9B8C-7D6E5F4A3B2C",  # upper case
    " 0b7e2a3c-5d4f-4e6a-9b8c-7d6e5f4a3b2c", "0b7e2a3c5d4f4e6a9b8c7d6e5f4a3b2c",
    "{0b7e2a3c-5d4f-4e6a-9b8c-7d6e5f4a3b2c}", "0b7e2a3c-5d4f-4e6a-9b8c-7d6e5f4a3b2c\n",
    "urn:uuid:0b7e2a3c-5d4f-4e6a-9b8c-7d6e5f4a3b2c", "0b7e2a3c-5d4f-4e6a-9b8c-7d6e5f4a3b2g",
])
def test_a_key_the_linkage_api_would_refuse_is_never_accepted(open_store: Opener, key: str):
    """The API takes a lowercase UUID only; anything else would be refused at every try."""
    assert not re.fullmatch(_contract_key_pattern(), key)  # the contract refuses it too
    store = open_store()
    with pytest.raises(InvalidIdempotencyKey, match="lowercase UUID"):
        store.enqueue(ItemKind.SUBMISSION, b"x", idempotency_key=key)
    status = store.status()
    assert status.counts[ItemState.PENDING] == 0 and status.loss.accepted == 0


def test_every_uuid_form_the_api_takes_is_accepted(open_store: Opener):
    """Each UUID version, the nil and the max UUID; the contract's own pattern
    (docs/linkage-api.yaml) is the oracle the outbox agrees with."""
    contract = _contract_key_pattern()
    keys = [str(uuid.uuid1()), str(uuid.uuid3(uuid.NAMESPACE_DNS, "kiosk")), str(uuid.uuid4()),
            str(uuid.uuid5(uuid.NAMESPACE_URL, "kiosk")), str(uuid.UUID(int=0)),
            str(uuid.UUID(int=2**128 - 1)), "018f3a6e-1b2c-7d4e-8f90-a1b2c3d4e5f6"]  # v7
    store = open_store()
    for n, key in enumerate(keys):
        assert re.fullmatch(contract, key), key
        receipt = store.enqueue(ItemKind.SUBMISSION, b"%d" % n, idempotency_key=key)
        assert receipt.idempotency_key == key
    assert store.status().counts[ItemState.PENDING] == len(keys)


def test_claim_is_exclusive_and_counts_the_attempt(open_store: Opener):
    store = open_store()
    for _ in range(5):
        store.enqueue(ItemKind.SUBMISSION, b"x")
    first = store.claim("lease-a", 3)
    second = store.claim("lease-b", 10)
    assert len(first) == 3 and len(second) == 2
    assert not {i.item_id for i in first} & {i.item_id for i in second}
    assert all(i.attempts == 1 for i in first + second)
    assert store.claim("lease-c", 10) == []


def test_delivered_items_keep_only_a_receipt(open_store: Opener, settings: OutboxSettings):
    store = open_store()
    receipt = store.enqueue(ItemKind.SUBMISSION, SECRET)
    (item,) = store.claim("lease", 10)
    assert item.payload == SECRET
    assert store.settle("lease", [Settlement(item.item_id, ItemState.DELIVERED,
                                             confirmation="srv-42")]) == 1
    assert store.item_state(item.item_id) is ItemState.DELIVERED
    (record,) = store.receipts()
    assert record["reference"] == receipt.reference and record["confirmation"] == "srv-42"
    assert "payload" not in record
    with sqlite3.connect(settings.database) as other:
        assert other.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_settle_ignores_items_no_longer_ours(open_store: Opener):
    store = open_store()
    store.enqueue(ItemKind.SUBMISSION, b"x")
    (item,) = store.claim("old", 1)
    assert store.reclaim(["old"], max_attempts=5) == 1
    (again,) = store.claim("new", 1)
    assert again.attempts == 2
    # The crashed sender's late settle must not touch the new owner's claim.
    assert store.settle("old", [Settlement(item.item_id, ItemState.DELIVERED)]) == 0
    assert store.item_state(item.item_id) is ItemState.IN_FLIGHT


def test_retry_waits_until_due(open_store: Opener, clock: FakeClock):
    store = open_store()
    store.enqueue(ItemKind.SUBMISSION, b"x")
    (item,) = store.claim("l", 1)
    store.settle("l", [Settlement(item.item_id, ItemState.PENDING, error="503",
                                  next_attempt_at=clock.now + 30)])
    assert store.claim("l", 1) == []
    assert store.next_due_at() == clock.now + 30
    clock.advance(30)
    assert [i.item_id for i in store.claim("l", 1)] == [item.item_id]


def test_old_pending_items_expire_to_dead(open_store: Opener, clock: FakeClock):
    store = open_store()
    store.enqueue(ItemKind.SUBMISSION, b"x")
    clock.advance(3 * 3600)
    assert store.claim("l", 1, max_age_s=2 * 3600) == []
    (dead,) = store.status().dead
    assert dead.reason.startswith("expired")


def test_dead_items_can_be_retried_discarded_and_purged(open_store: Opener, clock: FakeClock):
    store = open_store()
    ids = [store.enqueue(ItemKind.SUBMISSION, b"x").item_id for _ in range(3)]
    claimed = store.claim("l", 3)
    store.settle("l", [Settlement(i.item_id, ItemState.DEAD, error="rejected: 422")
                       for i in claimed])
    assert {d.reason for d in store.status().dead} == {"rejected: 422"}
    store.retry_dead(ids[0])
    assert store.item_state(ids[0]) is ItemState.PENDING
    assert store.claim("l", 5)[0].attempts == 1
    store.discard_dead(ids[1])
    assert store.item_state(ids[1]) is None
    with pytest.raises(StoreError):
        store.discard_dead(ids[1])
    with pytest.raises(StoreError):
        store.retry_dead("no-such-id")
    assert store.purge_dead(86400) == 0
    clock.advance(2 * 86400)
    assert store.purge_dead(86400) == 1
    outcomes = sorted(r["outcome"] for r in store.receipts())
    assert outcomes == ["discarded", "purged"]


def test_tampered_payload_goes_to_dead_not_to_the_server(
    open_store: Opener, settings: OutboxSettings
):
    store = open_store()
    a = store.enqueue(ItemKind.SUBMISSION, b"citizen A")
    b = store.enqueue(ItemKind.SUBMISSION, b"citizen B")
    with sqlite3.connect(settings.database) as other:  # swap the sealed payloads
        pa, pb = (other.execute("SELECT payload FROM items WHERE id = ?", (i,)).fetchone()[0]
                  for i in (a.item_id, b.item_id))
        other.execute("UPDATE items SET payload = ? WHERE id = ?", (pb, a.item_id))
        other.execute("UPDATE items SET payload = ? WHERE id = ?", (pa, b.item_id))
    assert store.claim("l", 10) == []
    assert {d.item_id for d in store.status().dead} == {a.item_id, b.item_id}


def test_another_key_is_refused(open_store: Opener, settings: OutboxSettings):
    first = open_store()
    first.enqueue(ItemKind.SUBMISSION, b"x")
    first.close()
    generate_key_file(settings.key_file)
    with pytest.raises(KeyMismatch):
        open_store()


def test_newer_schema_is_refused(open_store: Opener, settings: OutboxSettings):
    open_store().close()
    with sqlite3.connect(settings.database) as other:
        other.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNew):
        open_store()


def test_a_second_handle_in_one_process_is_refused(open_store: Opener):
    first = open_store()
    with pytest.raises(StoreError, match="already open in this process"):
        open_store()
    first.enqueue(ItemKind.SUBMISSION, b"the first handle still works")
    first.close()
    open_store().close()  # after closing, opening again is fine


def test_reopen_keeps_items_and_version(open_store: Opener):
    store = open_store()
    receipt = store.enqueue(ItemKind.SUBMISSION, b"x")
    store.close()
    again = open_store()
    assert again.schema_version == SCHEMA_VERSION
    assert again.item_state(receipt.item_id) is ItemState.PENDING


def test_corrupt_database_is_set_aside_never_deleted(
    open_store: Opener, settings: OutboxSettings
):
    store = open_store()
    for _ in range(200):
        store.enqueue(ItemKind.SUBMISSION, b"x" * 500)
    store.close()
    with sqlite3.connect(settings.database) as other:  # fold the WAL into the main file
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(settings.database.read_bytes())
    page = 4096
    data[2 * page : 6 * page] = b"\xa5" * (4 * page)  # overwrite B-tree pages with garbage
    settings.database.write_bytes(bytes(data))
    alerts: list[TechnicianAlert] = []
    fresh = open_store(alerts=alerts.append)
    assert fresh.recovered_from is not None
    assert Path(fresh.recovered_from).read_bytes() == bytes(data)  # kept byte for byte
    assert len(alerts) == 1 and alerts[0].health == "corrupt"
    assert fresh.salvage is not None and fresh.salvage.summary() in alerts[0].message
    assert fresh.status().counts[ItemState.PENDING] == fresh.salvage.salvaged
    # The day's counter moved past every salvaged reference: no clash for a new item.
    assert fresh.enqueue(ItemKind.SUBMISSION, b"y").reference


def test_not_a_database_is_set_aside(open_store: Opener, settings: OutboxSettings):
    settings.database.write_bytes(b"this is not sqlite" * 300)
    fresh = open_store(alerts=lambda alert: None)
    assert fresh.recovered_from is not None and fresh.recovered_from.exists()


def test_reasons_from_the_server_are_stored_with_citizen_ids_masked(open_store: Opener):
    store = open_store()
    store.enqueue(ItemKind.SUBMISSION, b"x")
    (item,) = store.claim("l", 1)
    store.settle("l", [Settlement(item.item_id, ItemState.DEAD,
                                  error="rejected: bad personalID 1101700230705")])
    (dead,) = store.status().dead
    assert dead.reason == "rejected: bad personalID 1-1017-xxxxx-xx-5"


def test_migrations_run_in_one_transaction(
    open_store: Opener, settings: OutboxSettings, monkeypatch: pytest.MonkeyPatch
):
    import kiosk.outbox.store as store_module
    from kiosk.outbox import schema

    first = open_store()
    receipt = first.enqueue(ItemKind.SUBMISSION, b"kept across upgrades")
    first.close()

    def broken_v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE items ADD COLUMN priority INTEGER")
        raise RuntimeError("power cut halfway through the upgrade")

    monkeypatch.setattr(store_module, "MIGRATIONS", (*schema.MIGRATIONS, broken_v2))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(RuntimeError):
        open_store()
    with sqlite3.connect(settings.database) as other:
        assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [r[1] for r in other.execute("PRAGMA table_info(items)")]
    assert "priority" not in columns  # the half-done step was rolled back

    def good_v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE items ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(store_module, "MIGRATIONS", (*schema.MIGRATIONS, good_v2))
    upgraded = open_store()
    assert upgraded.schema_version == SCHEMA_VERSION + 1
    assert upgraded.item_state(receipt.item_id) is ItemState.PENDING
