"""Crash test: SIGKILL the sender and an enqueuing process at random moments, hundreds of
times, against the real reference server; then drain with the real ``python -m kiosk outbox
run`` and check, from the server's own dedup counts, that every item the kiosk accepted
arrived exactly once and none was lost.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import load_settings
from kiosk.config.loader import REPO_ROOT
from kiosk.config.settings import Settings
from kiosk.linkage.pki import ensure_demo_pki
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.model import ItemState
from kiosk.outbox.store import OutboxStore
from simulators.linkage_server.runner import RunningServer, run_in_thread

from .linkage_env import write_kiosk_config

MIN_KILLS = 200
KILL_PHASE_S = 55.0  # upper bound; the loop stops as soon as it has enough kills
DRAIN_S = 25.0
WORKER = Path(__file__).with_name("crash_worker.py")


@pytest.fixture
def kiosk_env(tmp_path: Path) -> Iterator[tuple[Settings, Path, RunningServer]]:
    placeholder = write_kiosk_config(tmp_path, "https://127.0.0.1:1")
    settings = load_settings(placeholder)
    server_pki = ensure_demo_pki(settings)
    ensure_outbox_key(settings.outbox)
    server = run_in_thread(state_dir=tmp_path / "server", pki_dir=server_pki.ca_file.parent)
    try:
        placeholder.write_text(placeholder.read_text("utf-8").replace(
            "https://127.0.0.1:1", server.base_url), "utf-8")
        yield load_settings(placeholder), placeholder, server
    finally:
        server.stop()


class Zygote:
    def __init__(self, config: Path, accepted_log: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(config), str(accepted_log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)

    def spawn(self, *command: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(" ".join(command) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(10)


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_and_delivers_once(
    tmp_path: Path, kiosk_env: tuple[Settings, Path, RunningServer]
):
    settings, config, server = kiosk_env
    accepted_log = tmp_path / "accepted.log"
    rng = random.Random()
    zygote = Zygote(config, accepted_log)
    kills = {"sender": 0, "enqueue": 0}
    runs = 0
    try:
        sender = zygote.spawn("sender")
        enqueuer = zygote.spawn("enqueue", f"r{runs}")
        deadline = time.monotonic() + KILL_PHASE_S
        while sum(kills.values()) < MIN_KILLS and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.02, 0.35))
            victim = rng.choice(["sender", "enqueue", "sender", "both"])
            if victim in ("sender", "both"):
                kill(sender)
                kills["sender"] += 1
                sender = zygote.spawn("sender")
            if victim in ("enqueue", "both"):
                kill(enqueuer)
                kills["enqueue"] += 1
                runs += 1
                enqueuer = zygote.spawn("enqueue", f"r{runs}")
        kill(sender)
        kill(enqueuer)
    finally:
        zygote.close()
    assert sum(kills.values()) >= MIN_KILLS, f"only {kills} kills in {KILL_PHASE_S} s"

    # Drain with the real command, stopped the way systemd stops it.
    drain = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(config), "outbox", "run"],
        cwd=REPO_ROOT)
    accepted = {line for line in accepted_log.read_text().splitlines() if line}
    deadline = time.monotonic() + DRAIN_S
    try:
        # A second process reading the same file is fine (one connection per process).
        with contextlib.closing(sqlite3.connect(settings.outbox.database)) as watch:
            while time.monotonic() < deadline:
                (waiting,) = watch.execute(
                    "SELECT count(*) FROM items WHERE state IN ('pending', 'in_flight')"
                ).fetchone()
                if waiting == 0:
                    break
                time.sleep(0.2)
    finally:
        drain.send_signal(signal.SIGTERM)
        assert drain.wait(30) == 0

    store = OutboxStore(settings.outbox.database, load_outbox_cipher(settings.outbox),
                        settings.kiosk.id)
    try:
        status = store.status()
        receipts = store.receipts()
        leftover = list(store._db.query("SELECT idempotency_key, state, last_error FROM items"))
    finally:
        store.close()
    stats = server.submissions()
    stored = {r["idempotency_key"] for r in receipts} | {r["idempotency_key"] for r in leftover}

    assert len(accepted) > 100, "the enqueuers should have got work done between kills"
    assert accepted <= stored, "an item the kiosk accepted is missing from the outbox"
    assert not leftover, f"not delivered after the drain: {leftover[:3]} " + str(
        [stats.get(str(r["idempotency_key"])) for r in leftover[:3]])
    assert status.counts[ItemState.DEAD] == 0
    assert set(stats) <= stored, "the server got a key the outbox never stored"
    once = {k for k, s in stats.items() if s.accepted == 1}
    assert stored == once, {k: stats.get(k) for k in list(stored ^ once)[:5]}
    assert all(r["outcome"] == "delivered" for r in receipts)
    replays = sum(s.replays for s in stats.values())
    print(f"\ncrash test: kills {kills}, accepted {len(accepted)}, stored {len(stored)}, "
          f"server replays {replays}, conflicts {sum(s.conflicts for s in stats.values())}")
