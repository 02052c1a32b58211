"""Disk full, read-only file system, corrupt database: the outbox refuses new items with a
clear reason, alerts a technician, never raises into the caller's thread, loses nothing.

Real conditions: a 1 MiB tmpfs that really fills up, a read-only bind mount, and a database
file with overwritten pages. Mounting needs root (this machine's tests run as root); without
it the disk-full test falls back to SQLite's ``max_page_count``, which makes SQLite itself
report SQLITE_FULL, and the read-only test to a ``mode=ro`` connection.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.outbox import service as service_module
from kiosk.outbox.health import OutboxUnavailable, StoreHealth, TechnicianAlert, classify
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.service import Outbox

from .conftest import KIOSK_ID, make_settings


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path | None]:
    """A 1 MiB tmpfs (None when this process may not mount)."""
    point = tmp_path / "small"
    point.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs",
                                        str(point)):
        yield None
        return
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_disk_full_stops_taking_items_keeps_the_old_ones_and_recovers(
    tmp_path: Path, small_fs: Path | None, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(service_module, "RECHECK_INTERVAL_S", 0.2)
    directory = small_fs or tmp_path / "db"
    alerts: list[TechnicianAlert] = []
    settings = make_settings(tmp_path, database=directory / "outbox.sqlite3")
    outbox = Outbox(settings, KIOSK_ID, alerts=alerts.append)
    healthy_again = threading.Event()
    outbox.subscribe_health(lambda h: h is StoreHealth.OK and healthy_again.set())
    try:
        assert outbox.wait_open(10) is StoreHealth.OK
        if small_fs is None:  # fallback: SQLite's own limit makes it "full"
            outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 120"))
        filler = directory / "other-data"
        if small_fs is not None:
            filler.write_bytes(b"\0" * 400 * 1024)  # someone else's file on the same volume
        accepted = []
        with pytest.raises(OutboxUnavailable) as refused:
            for _ in range(200):
                accepted.append(outbox.enqueue(ItemKind.SUBMISSION, os.urandom(20_000)))
        assert accepted, "some items must fit before the disk is full"
        assert refused.value.health is StoreHealth.DISK_FULL
        assert refused.value.message_key == "outbox.unavailable.disk_full"
        assert outbox.health is StoreHealth.DISK_FULL and not outbox.accepting
        assert [a.health for a in alerts] == [StoreHealth.DISK_FULL]
        # The UI's call never raises in its own thread: the refusal is in the future.
        future = outbox.enqueue_async(ItemKind.SUBMISSION, b"x")
        assert isinstance(future.exception(timeout=10), OutboxUnavailable)
        # Reads still work: the maintenance menu can show what is waiting.
        status = outbox.call(lambda s: s.status())
        assert status.counts[ItemState.PENDING] == len(accepted)

        if small_fs is not None:
            filler.unlink()
        else:
            outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 100000"))
        # Nobody calls the outbox (the UI stopped offering its services): the timer notices.
        assert healthy_again.wait(10), "the periodic re-check did not notice the free space"
        assert outbox.health is StoreHealth.OK and outbox.accepting
        outbox.enqueue(ItemKind.SUBMISSION, b"after the disk was freed")
        lease = "check"
        claimed = outbox.call(lambda s: s.claim(lease, 1000), writes=True)
        by_id = {c.item_id for c in claimed}
        assert {r.item_id for r in accepted} <= by_id  # every accepted item still there
    finally:
        outbox.close()


def test_read_only_file_system_at_start_does_not_crash(tmp_path: Path):
    state = tmp_path / "state"
    state.mkdir()
    settings = make_settings(tmp_path, database=state / "outbox.sqlite3")
    first = Outbox(settings, KIOSK_ID)
    receipt = first.enqueue(ItemKind.SUBMISSION, b"stored before the volume went read-only")
    first.close()
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0 or not _mount("--bind", str(state), str(ro)):
        pytest.skip("cannot bind-mount here (needs root); see test_read_only_error_is_named")
    try:
        assert _mount("-o", "remount,ro,bind", str(ro))
        alerts: list[TechnicianAlert] = []
        outbox = Outbox(make_settings(tmp_path, database=ro / "outbox.sqlite3"), KIOSK_ID,
                        alerts=alerts.append)
        try:
            assert outbox.wait_open(10) is StoreHealth.READ_ONLY
            assert not outbox.accepting
            assert [a.health for a in alerts] == [StoreHealth.READ_ONLY]
            with pytest.raises(OutboxUnavailable) as refused:
                outbox.enqueue(ItemKind.SUBMISSION, b"x")
            assert refused.value.message_key == "outbox.unavailable.read_only"
        finally:
            outbox.close()
    finally:
        subprocess.run(["umount", str(ro)], check=False)
    again = Outbox(settings, KIOSK_ID)
    try:
        assert again.call(lambda s: s.item_state(receipt.item_id)) is ItemState.PENDING
    finally:
        again.close()


def test_read_only_error_is_named(tmp_path: Path):
    """SQLite's own SQLITE_READONLY (a real read-only connection) maps to READ_ONLY."""
    path = tmp_path / "x.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    with (
        contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as ro,
        pytest.raises(sqlite3.OperationalError) as err,
    ):
        ro.execute("INSERT INTO t VALUES (1)")
    assert classify(err.value) is StoreHealth.READ_ONLY
    assert classify(OSError(28, "No space left on device")) is StoreHealth.DISK_FULL
    assert classify(ValueError("not storage")) is None


def test_corrupt_database_at_start_is_set_aside_and_alerted(tmp_path: Path):
    settings = make_settings(tmp_path)
    first = Outbox(settings, KIOSK_ID)
    for _ in range(100):
        first.enqueue(ItemKind.SUBMISSION, os.urandom(900))
    first.close()
    with contextlib.closing(sqlite3.connect(settings.database)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(settings.database, "r+b") as f:
        f.seek(4096 * 3)
        f.write(b"\xff" * 4096 * 3)
    alerts: list[TechnicianAlert] = []
    outbox = Outbox(settings, KIOSK_ID, alerts=alerts.append)
    try:
        assert outbox.wait_open(10) is StoreHealth.OK  # a fresh database took its place
        assert [a.health for a in alerts] == [StoreHealth.CORRUPT]
        salvage = outbox.last_salvage  # what the metrics read
        assert salvage is not None and salvage.summary() in alerts[0].message
        assert salvage.salvaged > 0 and salvage.salvaged + salvage.lost <= 100
        from kiosk.maintenance.health import Status
        from kiosk.maintenance.probes import outbox_probe

        item = outbox_probe(outbox)()  # the technician's health screen says it in words
        assert item.status is Status.WARN and salvage.summary() in item.summary
        assert item.detail["salvaged"] == salvage.salvaged
        aside = list(tmp_path.glob("outbox.sqlite3.corrupt-*"))
        assert len(aside) == 1 and aside[0].stat().st_size > 4096 * 6
        assert outbox.enqueue(ItemKind.SUBMISSION, b"x").reference
    finally:
        outbox.close()


def test_wrong_key_stops_the_start_instead_of_running_blind(tmp_path: Path):
    from kiosk.config import ConfigError
    from kiosk.crypto_at_rest import generate_key_file

    settings = make_settings(tmp_path)
    Outbox(settings, KIOSK_ID).close()
    generate_key_file(settings.key_file)  # someone replaced the key file
    with pytest.raises(ConfigError, match="does not match"):
        Outbox(settings, KIOSK_ID)
