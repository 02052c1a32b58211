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
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import load_settings
from kiosk.config.loader import REPO_ROOT
from kiosk.config.settings import Settings
from kiosk.linkage.pki import ensure_demo_pki
from kiosk.outbox.crypto import ensure_outbox_key, load_outbox_cipher
from kiosk.outbox.store import OutboxStore
from simulators.linkage_server.runner import RunningServer, run_in_thread

from .linkage_env import write_kiosk_config

MIN_KILLS = 200
MIN_ACCEPTED = 101
KILL_PHASE_S = 600.0  # a loud failure only: the loop ends on counts, not on time
DRAIN_S = 120.0
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
        self.children: list[int] = []

    def spawn(self, *command: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(" ".join(command) + "\n")
        self.proc.stdin.flush()
        pid = int(self.proc.stdout.readline())
        self.children.append(pid)
        return pid

    def close(self) -> None:
        """Stop every child still running (a failed test must not leave workers behind)."""
        for pid in self.children:
            kill(pid)
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(10)


def accepted_count(accepted_log: Path) -> int:
    return len(accepted_log.read_bytes().splitlines()) if accepted_log.exists() else 0


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def drain(config: Path, settings: Settings) -> None:
    """Run the real ``python -m kiosk outbox run`` until nothing waits; stop it with SIGTERM
    the way systemd does, once it said READY=1 on $NOTIFY_SOCKET (as under Type=notify)."""
    notify_path = settings.kiosk.state_dir / "notify.sock"
    with contextlib.closing(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(20.0)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(config), "outbox", "run"],
            cwd=REPO_ROOT, env={**os.environ, "NOTIFY_SOCKET": str(notify_path)})
        try:
            assert b"READY=1" in notify.recv(4096)
            deadline = time.monotonic() + DRAIN_S
            # Another process reading the same file is fine (one connection per process).
            with contextlib.closing(sqlite3.connect(settings.outbox.database)) as watch:
                while True:
                    (waiting,) = watch.execute(
                        "SELECT count(*) FROM items WHERE state IN ('pending', 'in_flight')"
                    ).fetchone()
                    if waiting == 0:
                        break
                    assert time.monotonic() < deadline, f"{waiting} still waiting after drain"
                    time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0


def outbox_contents(settings: Settings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(receipt records, items still in the outbox) — read after every writer stopped."""
    store = OutboxStore(settings.outbox.database, load_outbox_cipher(settings.outbox),
                        settings.kiosk.id)
    try:
        leftover = list(store._db.query("SELECT idempotency_key, state, last_error FROM items"))
        return store.receipts(), leftover
    finally:
        store.close()


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_and_delivers_once(
    tmp_path: Path, kiosk_env: tuple[Settings, Path, RunningServer]
):
    """Two senders (as in the kiosk process and the systemd service) and an enqueuer."""
    settings, config, server = kiosk_env
    accepted_log = tmp_path / "accepted.log"
    rng = random.Random()
    zygote = Zygote(config, accepted_log)
    kills = {"sender": 0, "enqueue": 0}
    runs = 0
    try:
        senders = [zygote.spawn("sender"), zygote.spawn("sender")]
        enqueuer = zygote.spawn("enqueue", f"r{runs}")
        deadline = time.monotonic() + KILL_PHASE_S
        # Ends on counts (enough kills, enough accepted work), whatever the machine's load.
        while sum(kills.values()) < MIN_KILLS or accepted_count(accepted_log) < MIN_ACCEPTED:
            assert time.monotonic() < deadline, f"only {kills} kills in {KILL_PHASE_S} s"
            time.sleep(rng.uniform(0.02, 0.25))
            victim = rng.choice(["sender", "enqueue", "sender", "both"])
            if victim in ("sender", "both"):
                which = rng.randrange(len(senders))
                kill(senders[which])
                kills["sender"] += 1
                senders[which] = zygote.spawn("sender")
            if victim in ("enqueue", "both"):
                kill(enqueuer)
                kills["enqueue"] += 1
                runs += 1
                enqueuer = zygote.spawn("enqueue", f"r{runs}")
        for pid in [*senders, enqueuer]:
            kill(pid)
    finally:
        zygote.close()

    drain(config, settings)
    accepted = {line for line in accepted_log.read_text().splitlines() if line}
    receipts, leftover = outbox_contents(settings)
    stats = server.submissions()
    stored = {r["idempotency_key"] for r in receipts} | {r["idempotency_key"] for r in leftover}

    assert len(accepted) >= MIN_ACCEPTED, "the enqueuers should have got work done"
    assert accepted <= stored, "an item the kiosk accepted is missing from the outbox"
    assert not leftover, f"not delivered after the drain: {leftover[:3]} " + str(
        [stats.get(str(r["idempotency_key"])) for r in leftover[:3]])
    assert set(stats) <= stored, "the server got a key the outbox never stored"
    once = {k for k, s in stats.items() if s.accepted == 1}
    assert stored == once, {k: (stats.get(k), [(r["kind"], r["confirmation"]) for r in receipts
                                              if r["idempotency_key"] == k])
                            for k in list(stored ^ once)[:5]}
    assert all(r["outcome"] == "delivered" for r in receipts)
    replays = sum(s.replays for s in stats.values())
    store = OutboxStore(settings.outbox.database, load_outbox_cipher(settings.outbox),
                        settings.kiosk.id)
    try:
        loss = store.loss()  # the ledger beside the store (issue 29): kill -9 is no loss
    finally:
        store.close()
    assert loss.lost == 0 and loss.accepted == len(stored) == loss.closed, loss
    print(f"\ncrash test: kills {kills}, accepted {len(accepted)}, stored {len(stored)}, "
          f"server replays {replays}, conflicts {sum(s.conflicts for s in stats.values())}, "
          f"ledger {loss}")


@pytest.mark.slow
def test_two_sender_processes_never_send_an_item_twice(
    tmp_path: Path, kiosk_env: tuple[Settings, Path, RunningServer]
):
    """Without crashes, claims alone keep two concurrent senders apart: no replays at all."""
    settings, config, server = kiosk_env
    accepted_log = tmp_path / "accepted.log"
    zygote = Zygote(config, accepted_log)
    try:
        senders = [zygote.spawn("sender"), zygote.spawn("sender")]
        enqueuer = zygote.spawn("enqueue", "calm")
        deadline = time.monotonic() + 120
        while accepted_count(accepted_log) < 60:  # enough work queued while both send
            assert time.monotonic() < deadline, "the enqueuer got nothing done"
            time.sleep(0.05)
        kill(enqueuer)  # it only ever commits or rolls back: nothing is in flight for it
        drain(config, settings)
        for pid in senders:
            os.kill(pid, signal.SIGTERM)  # they finish and record their batch, then stop
    finally:
        zygote.close()  # SIGKILLs what is left; the drain above has delivered everything
    receipts, leftover = outbox_contents(settings)
    stats = server.submissions()
    assert not leftover and len(receipts) > 50
    assert {r["idempotency_key"] for r in receipts} == set(stats)
    assert all(s.accepted == 1 and s.replays == 0 and s.conflicts == 0 for s in stats.values())
