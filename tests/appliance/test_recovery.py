"""The recovery unit's core (`kiosk.appliance.recover`), the heartbeat, the health items
they feed, and the sender's loop hook that drives the watchdog. Real files, real
subprocesses (a stand-in ``systemctl`` on PATH records what recovery asks of systemd);
the real systemd run is tests/appliance/test_container.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from kiosk.appliance import recover
from kiosk.appliance.heartbeat import STALE_AFTER_S, Heartbeat, heartbeat_path, read_beat
from kiosk.appliance.parts import SENDER, PartsWatch, down_now
from kiosk.config import Settings
from kiosk.maintenance.health import Status, parts_probe, sender_probe
from kiosk.outbox.model import DeliveryResult, ItemKind, OutgoingItem
from kiosk.outbox.sender import Sender
from kiosk.outbox.service import Outbox
from tests.outbox.conftest import KIOSK_ID, make_settings

UNIT = "linkage-kiosk-outbox.service"


def test_failures_are_counted_and_the_part_marked_down(tmp_path: Path) -> None:
    assert recover.record_failure(tmp_path, UNIT, now=1000.0) == 1
    assert recover.record_failure(tmp_path, UNIT, now=1100.0) == 2
    # An hour later the recent count starts again; the total keeps counting.
    assert recover.record_failure(tmp_path, UNIT, now=1100.0 + 3600) == 1
    assert recover.failure_counts(tmp_path) == {UNIT: 3}
    (down,) = recover.parts_down(tmp_path)
    assert down.unit == UNIT and down.since == 1000.0 and down.failures == 3
    assert recover.mark_up(tmp_path, UNIT) is True
    assert recover.parts_down(tmp_path) == () and recover.mark_up(tmp_path, UNIT) is False
    assert recover.failure_counts(tmp_path) == {UNIT: 3}  # the count outlives the mark


@pytest.mark.parametrize(("recent", "wait"), [(1, 15.0), (2, 30.0), (4, 120.0), (5, 240.0),
                                              (6, 480.0), (7, 600.0), (40, 600.0)])
def test_the_cooldown_doubles_and_is_capped(recent: int, wait: float) -> None:
    assert recover.cooldown_s(recent) == wait


@pytest.mark.parametrize("name", ["../../etc/passwd.service", "x.socket", "", ".service",
                                  "a b.service"])
def test_a_unit_name_that_is_no_plain_service_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(recover.BadUnitName):
        recover.record_failure(tmp_path, name)
    assert not list(tmp_path.iterdir())


def test_a_damaged_failures_file_reads_as_empty(tmp_path: Path) -> None:
    (tmp_path / recover.FAILURES_FILE).write_text("{not json")
    assert recover.failure_counts(tmp_path) == {}
    assert recover.record_failure(tmp_path, UNIT) == 1


@pytest.fixture
def fake_systemctl(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    tool = bin_dir / "systemctl"
    tool.write_text(f"#!/bin/sh\necho \"$*\" >> {calls}\n")
    tool.chmod(0o755)
    yield {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, calls


def run_recover(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.appliance.recover", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_recovery_records_alerts_and_restarts_after_the_cooldown(
        tmp_path: Path, fake_systemctl: tuple[dict[str, str], Path]) -> None:
    env, calls = fake_systemctl
    state = tmp_path / "state"
    state.mkdir()
    done = run_recover(["failed", UNIT, str(state)], {**env, "KIOSK_RECOVER_COOLDOWN_S": "0"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"<2>{UNIT} failed (1 time(s)")  # crit in the journal
    assert calls.read_text().splitlines() == [f"reset-failed {UNIT}", f"start --no-block {UNIT}"]
    assert recover.failure_counts(state) == {UNIT: 1}
    assert [p.unit for p in recover.parts_down(state)] == [UNIT]
    assert run_recover(["up", UNIT, str(state)], env).returncode == 0
    assert recover.parts_down(state) == ()


def test_recovery_still_restarts_when_it_cannot_record(
        tmp_path: Path, fake_systemctl: tuple[dict[str, str], Path]) -> None:
    env, calls = fake_systemctl
    done = run_recover(["failed", UNIT, str(tmp_path / "missing")],
                       {**env, "KIOSK_RECOVER_COOLDOWN_S": "0"})
    assert done.returncode == 0 and "<3>recover failed" in done.stderr
    assert calls.read_text().splitlines() == [f"reset-failed {UNIT}", f"start --no-block {UNIT}"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_heartbeat_is_rate_limited_and_read_back(tmp_path: Path) -> None:
    clock = FakeClock()
    beat = Heartbeat(heartbeat_path(tmp_path), clock=clock)
    assert read_beat(beat.path).age_s is None
    assert beat.beat() is True and beat.beat() is False  # within MIN_INTERVAL_S
    clock.now += 5.0
    assert beat.beat() is True
    got = read_beat(beat.path, now=clock.now + 12.5)
    assert got.pid == os.getpid() and got.age_s == 12.5 and got.running()
    assert not read_beat(beat.path, now=clock.now + STALE_AFTER_S + 0.1).running()
    beat.clear()
    assert read_beat(beat.path).at is None
    beat.path.write_text('{"at": "soon"}')
    assert read_beat(beat.path).age_s is None


def test_health_says_sender_not_running_for_a_stale_or_missing_beat(tmp_path: Path) -> None:
    probe = sender_probe(tmp_path)
    missing = probe()
    assert missing.status is Status.FAIL and missing.summary.startswith("sender not running")
    path = heartbeat_path(tmp_path)
    import time  # wall time is what the heartbeat holds

    path.write_text(json.dumps({"pid": 1, "at": time.time() - STALE_AFTER_S - 5}))
    stale = probe()
    assert stale.status is Status.FAIL and "last heartbeat 4" in stale.summary
    Heartbeat(path).beat()
    assert probe().status is Status.OK


def test_health_and_out_of_service_name_a_unit_that_is_down(tmp_path: Path) -> None:
    assert parts_probe(tmp_path)().status is Status.OK
    recover.record_failure(tmp_path, "linkage-reference-server.service")
    item = parts_probe(tmp_path)()
    assert item.status is Status.FAIL and "linkage-reference-server.service" in item.summary
    assert item.summary.startswith("out of service:")
    Heartbeat(heartbeat_path(tmp_path)).beat()
    assert down_now(tmp_path, watch_sender=True) == {"linkage-reference-server.service"}
    heartbeat_path(tmp_path).unlink()
    assert down_now(tmp_path, watch_sender=True) == {"linkage-reference-server.service", SENDER}
    seen: list[frozenset[str]] = []
    watch = PartsWatch(tmp_path, seen.append, watch_sender=False)
    watch.check()
    watch.check()  # no change, no second report
    recover.mark_up(tmp_path, "linkage-reference-server.service")
    watch.check()
    assert seen == [frozenset({"linkage-reference-server.service"}), frozenset()]


class BlockingDeliverer:
    """Delivers, except that the item with reference "stuck" hangs until released — a read
    that never returns."""

    def __init__(self) -> None:
        self.stuck = threading.Event()
        self.release = threading.Event()

    def deliver(self, items: Sequence[OutgoingItem]) -> Iterator[DeliveryResult]:
        for item in items:
            if item.payload == b"stuck":
                self.stuck.set()
                self.release.wait(30)
            yield DeliveryResult.delivered(f"srv-{item.reference}")

    def probe(self) -> bool:
        return True


def test_the_sender_ticks_from_its_own_loop_and_stops_ticking_when_stuck(
        tmp_path: Path) -> None:
    outbox = Outbox(make_settings(tmp_path), KIOSK_ID)
    deliverer = BlockingDeliverer()
    ticks: list[int] = []
    ticked = threading.Condition()

    def tick() -> None:
        with ticked:
            ticks.append(threading.get_ident())
            ticked.notify_all()

    sender = Sender(outbox, deliverer, idle_wait_s=0.05, on_tick=tick)
    outbox.connectivity.record_probe(True)
    thread = sender.start_thread()
    try:
        with ticked:
            assert ticked.wait_for(lambda: len(ticks) >= 3, timeout=10), "no ticks while idle"
        assert set(ticks) == {thread.ident}, "ticks must come from the sender's loop thread"
        outbox.enqueue(ItemKind.SUBMISSION, b"stuck")
        assert deliverer.stuck.wait(10)
        with ticked:
            frozen_at = len(ticks)
            # While the read hangs, no tick comes (a watchdog would fire)...
            assert not ticked.wait_for(lambda: len(ticks) > frozen_at, timeout=1.0)
        deliverer.release.set()
        with ticked:  # ...and they resume with the loop.
            assert ticked.wait_for(lambda: len(ticks) > frozen_at, timeout=10)
    finally:
        deliverer.release.set()
        sender.stop(timeout=10)
        outbox.close()


def production_settings(tmp_path: Path) -> Settings:
    from kiosk.config import load_settings

    demo = load_settings(Path(__file__).resolve().parents[2] / "config" / "kiosk.toml")
    link = demo.linkage.model_copy(update={
        "ca_file": tmp_path / "ca.pem", "client_cert_file": tmp_path / "kiosk.pem",
        "client_key_file": tmp_path / "kiosk.key"})
    return demo.model_copy(update={"demo": demo.demo.model_copy(update={"enabled": False}),
                                   "linkage": link})


def test_a_production_sender_waits_for_its_keys_ticking_then_goes_on(tmp_path: Path) -> None:
    from kiosk.appliance.keys import missing_keys, wait_for_keys

    settings = production_settings(tmp_path)
    assert len(missing_keys(settings)) == 3
    statuses: list[str] = []
    ticks = 0
    wake = threading.Event()
    wake.set()  # no pause between checks in the test

    def tick() -> None:
        nonlocal ticks
        ticks += 1
        if ticks == 3:  # the technician puts the keys in place
            for path in (tmp_path / "ca.pem", tmp_path / "kiosk.pem", tmp_path / "kiosk.key"):
                path.write_text("pem")

    assert wait_for_keys(settings, tick, lambda: False, status=statuses.append, wake=wake)
    assert ticks == 3 and len(statuses) == 1 and "waiting for the client keys" in statuses[0]
    # Asked to stop while waiting: returns False, does not deliver.
    (tmp_path / "kiosk.key").unlink()
    assert not wait_for_keys(settings, lambda: None, lambda: True, wake=wake)
