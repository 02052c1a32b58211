"""The sender's decisions (backoff, Retry-After, dead letters, offline probing, reclaim)
against a real store, with a scripted `Deliverer` (the real one needs the reference server:
see test_crash.py); and the `Outbox` façade's one-owner-thread discipline."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from kiosk.outbox.connectivity import ConnectivityState
from kiosk.outbox.leases import SenderLease
from kiosk.outbox.model import DeliveryResult, ItemKind, ItemState, OutgoingItem
from kiosk.outbox.sender import RetryPolicy, Sender
from kiosk.outbox.service import Outbox

from .conftest import KIOSK_ID, FakeClock, make_settings

Script = Callable[[OutgoingItem], DeliveryResult]


class ScriptedDeliverer:
    """A stand-in for the Linkage deliverer: answers from a function, remembers calls."""

    def __init__(self, script: Script, *, reachable: bool = True) -> None:
        self.script = script
        self.reachable = reachable
        self.sent: list[tuple[str, int]] = []
        self.probes = 0

    def deliver(self, items: Sequence[OutgoingItem]) -> Sequence[DeliveryResult]:
        self.sent += [(i.idempotency_key, i.attempts) for i in items]
        return [self.script(i) for i in items]

    def probe(self) -> bool:
        self.probes += 1
        return self.reachable


def ok(item: OutgoingItem) -> DeliveryResult:
    return DeliveryResult.delivered(f"srv-{item.reference}")


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    box = Outbox(make_settings(tmp_path, max_attempts=3, max_age_hours=1.0,
                               backoff_base_s=2.0, backoff_cap_s=60.0),
                 KIOSK_ID, clock=clock)
    yield box
    box.close()


def sender_for(outbox: Outbox, deliverer: ScriptedDeliverer, clock: FakeClock) -> Sender:
    sender = Sender(outbox, deliverer, clock=clock, rng=random.Random(7), batch_size=10)
    sender.start_lease()
    outbox.connectivity.record_probe(True)
    return sender


def states(outbox: Outbox) -> dict[ItemState, int]:
    return outbox.call(lambda s: s.status()).counts


def test_full_jitter_stays_within_the_capped_exponential():
    policy = RetryPolicy(max_attempts=10, max_age_s=1e6, base_s=1.0, cap_s=20.0)
    rng = random.Random(1)
    for attempts, ceiling in [(1, 1.0), (2, 2.0), (4, 8.0), (5, 16.0), (6, 20.0), (40, 20.0)]:
        delays = [policy.backoff(attempts, rng) for _ in range(300)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread, not fixed


def test_delivery_leaves_receipts_and_goes_online(outbox: Outbox, clock: FakeClock):
    deliverer = ScriptedDeliverer(ok)
    receipts = [outbox.enqueue(ItemKind.SUBMISSION, b'{"n": %d}' % n) for n in range(12)]
    sender = sender_for(outbox, deliverer, clock)
    assert sender.run_once() == 10 and sender.run_once() == 2 and sender.run_once() == 0
    assert sorted(k for k, _ in deliverer.sent) == sorted(r.idempotency_key for r in receipts)
    assert states(outbox)[ItemState.DELIVERED] == 12
    assert outbox.connectivity.state is ConnectivityState.ONLINE


def test_retry_after_is_a_floor_and_backoff_applies(outbox: Outbox, clock: FakeClock):
    deliverer = ScriptedDeliverer(lambda i: DeliveryResult.retry("429", retry_after_s=45))
    outbox.enqueue(ItemKind.SUBMISSION, b"x")
    sender = sender_for(outbox, deliverer, clock)
    sender.run_once()
    next_at = outbox.call(lambda s: s.next_due_at())
    assert next_at is not None and clock.now + 45 <= next_at <= clock.now + 60
    assert outbox.connectivity.state is ConnectivityState.DEGRADED  # answered, with trouble
    clock.advance(44)
    assert sender.run_once() == 0


def test_permanent_error_goes_to_dead_with_reason(outbox: Outbox, clock: FakeClock):
    deliverer = ScriptedDeliverer(lambda i: DeliveryResult.permanent("422 invalid: kind"))
    receipt = outbox.enqueue(ItemKind.SUBMISSION, b"x")
    sender_for(outbox, deliverer, clock).run_once()
    (dead,) = outbox.call(lambda s: s.status()).dead
    assert dead.item_id == receipt.item_id and dead.reason == "rejected: 422 invalid: kind"


def test_gives_up_after_max_attempts(outbox: Outbox, clock: FakeClock):
    deliverer = ScriptedDeliverer(lambda i: DeliveryResult.retry("503"))
    outbox.enqueue(ItemKind.SUBMISSION, b"x")
    sender = sender_for(outbox, deliverer, clock)
    for _ in range(3):
        assert sender.run_once() == 1
        clock.advance(120)
    assert [a for _, a in deliverer.sent] == [1, 2, 3]
    (dead,) = outbox.call(lambda s: s.status()).dead
    assert dead.reason == "gave up after 3 attempts: 503"


def test_offline_sender_only_probes_then_drains_when_back(outbox: Outbox, clock: FakeClock):
    deliverer = ScriptedDeliverer(
        lambda i: DeliveryResult.retry("connect failed", reached_server=False))
    for _ in range(4):
        outbox.enqueue(ItemKind.SUBMISSION, b"x")
    sender = Sender(outbox, deliverer, clock=clock, rng=random.Random(3), batch_size=1,
                    offline_probe_s=0.0)
    sender.start_lease()
    outbox.connectivity.record_probe(True)
    sender.run_once()
    assert outbox.connectivity.state is ConnectivityState.DEGRADED
    sender.run_once()
    assert outbox.connectivity.state is ConnectivityState.OFFLINE
    deliverer.reachable = False
    tried = len(deliverer.sent)
    for _ in range(5):
        assert sender._offline()  # probes, claims nothing: the outage burns no attempts
    assert len(deliverer.sent) == tried and deliverer.probes == 5
    deliverer.reachable, deliverer.script = True, ok
    assert not sender._offline()  # back: everything that waited is due at once
    while sender.run_once():
        pass
    assert states(outbox)[ItemState.DELIVERED] == 4


def test_deliverer_bug_loses_nothing(outbox: Outbox, clock: FakeClock):
    def broken(item: OutgoingItem) -> DeliveryResult:
        raise RuntimeError("bug")

    outbox.enqueue(ItemKind.AUDIT, b"x")
    sender = sender_for(outbox, ScriptedDeliverer(broken), clock)
    sender.run_once()
    assert states(outbox)[ItemState.PENDING] == 1


def test_new_sender_reclaims_a_killed_senders_items_only(outbox: Outbox, clock: FakeClock):
    for _ in range(4):
        outbox.enqueue(ItemKind.SUBMISSION, b"x")
    killed = SenderLease(outbox.settings.database, clock.now)
    alive = SenderLease(outbox.settings.database, clock.now)
    outbox.call(lambda s: s.claim(killed.lease_id, 2), writes=True)
    outbox.call(lambda s: s.claim(alive.lease_id, 1), writes=True)
    os.close(killed._fd)  # what SIGKILL does to its flock
    killed._fd = None
    deliverer = ScriptedDeliverer(ok)
    sender = sender_for(outbox, deliverer, clock)  # start_lease reclaims
    assert states(outbox)[ItemState.IN_FLIGHT] == 1  # the live sender's item stays its own
    while sender.run_once():
        pass
    assert states(outbox)[ItemState.DELIVERED] == 3
    alive.release()


def test_sender_thread_runs_until_stopped(outbox: Outbox, clock: FakeClock):
    deliverer = ScriptedDeliverer(ok)
    sender = Sender(outbox, deliverer, clock=clock, idle_wait_s=0.05)
    sender.start_thread()
    outbox.enqueue(ItemKind.SUBMISSION, b"x")
    for _ in range(200):
        if states(outbox)[ItemState.DELIVERED] == 1:
            break
        threading.Event().wait(0.05)
    sender.stop(timeout=5)
    assert states(outbox)[ItemState.DELIVERED] == 1
    assert not list((outbox.settings.database.parent / "outbox.sqlite3.senders").glob("*.lock"))


def test_only_the_owner_thread_touches_sqlite(outbox: Outbox):
    seen: set[str] = set()
    futures = []

    def from_another_thread() -> None:
        futures.append(outbox.enqueue_async(ItemKind.AUDIT, b"x"))
        futures.append(outbox.submit(lambda s: seen.add(threading.current_thread().name)))

    workers = [threading.Thread(target=from_another_thread) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    refs = {f.result(timeout=10).reference for f in futures if f.result(timeout=10)}
    assert len(refs) == 4
    assert len(seen) == 1 and seen.pop().startswith("outbox-db")


def test_lease_files_of_killed_senders_are_swept_at_start(tmp_path: Path) -> None:
    """Issue 16: 96 kills left 64 lock files behind. A SIGKILLed process (real flock
    semantics) and an old staging file go; a live sender's lease stays."""
    import signal
    import subprocess
    import sys

    from kiosk.outbox.leases import STAGING_STALE_S, SenderLease, lease_dir, sweep_dead_leases

    database = tmp_path / "outbox.sqlite3"
    holder = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from kiosk.outbox.leases import SenderLease\n"
        "lease = SenderLease(Path(sys.argv[1]), time.time())\n"
        "print(lease.lease_id, flush=True)\n"
        "sys.stdin.read()\n"
    )
    killed = []
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", holder, str(database)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        killed.append(proc.stdout.readline().strip())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    live = SenderLease(database, 1_795_000_000.0)
    staging = lease_dir(database) / f".{killed[0]}.new"
    staging.write_bytes(b"")
    os.utime(staging, (0, 0))
    fresh_staging = lease_dir(database) / f".{live.lease_id}x.new"
    fresh_staging.write_bytes(b"")
    try:
        assert len(list(lease_dir(database).glob("*.lock"))) == 4
        # "now" just past the old staging file's age; the fresh one is younger than that.
        assert sweep_dead_leases(database, now=STAGING_STALE_S + 10) == 4
        left = sorted(p.name for p in lease_dir(database).iterdir())
        assert left == sorted([f"{live.lease_id}.lock", fresh_staging.name])
    finally:
        live.release()


def test_housekeeping_reports_the_depth_through_its_port(outbox: Outbox, clock: FakeClock):
    reports: list[tuple[int, int, float | None]] = []
    deliverer = ScriptedDeliverer(lambda i: DeliveryResult.permanent("422 invalid: kind"))
    sender = Sender(outbox, deliverer, clock=clock, rng=random.Random(7), batch_size=1,
                    report_depth=lambda *figures: reports.append(figures))
    sender.start_lease()
    outbox.connectivity.record_probe(True)
    outbox.enqueue(ItemKind.SUBMISSION, b"x")
    sender.run_once()  # dead
    outbox.enqueue(ItemKind.SUBMISSION, b"y")
    clock.advance(90)
    sender._housekeeping()
    assert reports == [(1, 1, 90.0)]
