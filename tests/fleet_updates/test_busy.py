"""The busy check: a session flock held by another process, and in-flight outbox items
under a live sender lease (real SQLite store, real flock, a real second process)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from kiosk.crypto_at_rest import AtRestCipher
from kiosk.fleet.busy import SessionLock, busy_reasons, session_open
from kiosk.outbox.crypto import ItemSealer
from kiosk.outbox.leases import SenderLease
from kiosk.outbox.model import ItemKind
from kiosk.outbox.store import OutboxStore

HOLD_LOCK = """
import sys
from pathlib import Path
from kiosk.fleet.busy import SessionLock
lock = SessionLock(Path(sys.argv[1]))
lock.set_open(True)
print("held", flush=True)
sys.stdin.readline()
lock.set_open(False)
print("released", flush=True)
sys.stdin.readline()
"""


def ukey(name: str) -> str:
    """A fixed lowercase UUID per name: the only key form the outbox takes."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


class _View:
    def __init__(self, screen: str) -> None:
        self.screen = screen


def test_session_lock_follows_screens_in_this_process(tmp_path: Path) -> None:
    lock = SessionLock(tmp_path)
    assert not session_open(tmp_path)
    lock.on_view(_View("reading"))
    lock.on_view(_View("menu"))
    # flock is per open file: a probe from another open file sees it held.
    assert session_open(tmp_path)
    lock.on_view(_View("idle"))
    assert not session_open(tmp_path)


def test_session_held_by_another_process_and_dropped_when_it_dies(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout and proc.stdin
        assert proc.stdout.readline().strip() == "held"
        assert busy_reasons(tmp_path, tmp_path / "none.sqlite3") == [
            "a citizen's session is open"]
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "released"
        assert busy_reasons(tmp_path, tmp_path / "none.sqlite3") == []
    finally:
        proc.kill()
        proc.wait(10)


def test_killed_ui_never_leaves_the_kiosk_busy(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout and proc.stdout.readline().strip() == "held"
    assert session_open(tmp_path)
    proc.kill()
    proc.wait(10)
    assert not session_open(tmp_path)


def test_in_flight_items_of_a_live_sender_are_busy_queued_ones_are_not(tmp_path: Path
                                                                        ) -> None:
    db = tmp_path / "outbox.sqlite3"
    store = OutboxStore(db, ItemSealer(AtRestCipher(b"k" * 32)), "ksk-test-001")
    try:
        for i in range(3):
            store.enqueue(ItemKind.SUBMISSION, b"{}", ukey(f"key-{i}"))
        assert busy_reasons(tmp_path, db) == []  # queued, waiting for the network: idle
        lease = SenderLease(db, now_s=0.0)
        claimed = store.claim(lease.lease_id, limit=2)
        assert len(claimed) == 2
        assert busy_reasons(tmp_path, db) == ["the outbox is delivering 2 item(s)"]
        lease.release()  # the sender died: its items are not in flight any more
        assert busy_reasons(tmp_path, db) == []
    finally:
        store.close()
