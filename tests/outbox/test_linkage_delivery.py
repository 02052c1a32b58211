"""The sender with the real deliverer against the reference Linkage server (mutual TLS on
loopback): exactly-once acceptance by Idempotency-Key, audit batches, faults, outage."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.linkage.pki import KioskCredentials
from kiosk.outbox.connectivity import ConnectivityState
from kiosk.outbox.linkage_deliverer import LinkageDeliverer, encode_audit, encode_submission
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.sender import Sender
from kiosk.outbox.service import Outbox
from simulators.linkage_server.runner import RunningServer, run_in_thread

from .conftest import FakeClock, make_settings
from .linkage_env import KIOSK_ID, audit_event, credentials, linkage_client, submission


@pytest.fixture
def creds(tmp_path: Path) -> KioskCredentials:
    return credentials(tmp_path / "pki")


@pytest.fixture
def server(tmp_path: Path, creds: KioskCredentials) -> Iterator[RunningServer]:
    srv = run_in_thread(state_dir=tmp_path / "server", pki_dir=creds.ca_file.parent)
    try:
        yield srv
    finally:
        srv.stop()
    srv.server.contract.assert_kept()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    box = Outbox(make_settings(tmp_path, backoff_base_s=0.01, backoff_cap_s=0.05), KIOSK_ID,
                 clock=clock)
    yield box
    box.close()


@pytest.fixture(params=[1, 4], ids=["one-at-a-time", "concurrent-4"])
def deliverer(server: RunningServer, creds: KioskCredentials,
              request: pytest.FixtureRequest) -> Iterator[LinkageDeliverer]:
    concurrency = request.param
    d = LinkageDeliverer(linkage_client(server.base_url, creds, concurrency),
                         concurrency=concurrency)
    yield d
    d.close()


def drain(sender: Sender, clock: FakeClock, rounds: int = 50) -> None:
    """Deliver until nothing is pending; a retry scheduled later is reached by moving the
    injected clock to it (no race with wall time). Fails loudly if work is left."""
    for _ in range(rounds):
        if sender.run_once():
            continue
        due = sender.outbox.call(lambda s: s.next_due_at())
        if due is None:
            return
        clock.now = max(clock.now, due)
    status = sender.outbox.call(lambda s: s.status())
    raise AssertionError(f"outbox not drained after {rounds} rounds: {status.counts}")


def new_sender(outbox: Outbox, deliverer: LinkageDeliverer, clock: FakeClock) -> Sender:
    sender = Sender(outbox, deliverer, rng=random.Random(1), batch_size=20, clock=clock)
    sender.start_lease()
    sender._probe(0.0)
    return sender


def test_submissions_and_audit_events_arrive_exactly_once(
    outbox: Outbox, deliverer: LinkageDeliverer, server: RunningServer,
    clock: FakeClock,
):
    subs = [outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(n)))
            for n in range(15)]
    events = [audit_event() for _ in range(30)]
    for event in events:
        outbox.enqueue(ItemKind.AUDIT, encode_audit(event), idempotency_key=event.eventID)
    sender = new_sender(outbox, deliverer, clock)
    assert sender.connectivity is ConnectivityState.ONLINE
    drain(sender, clock)
    stats = server.submissions()
    assert {r.idempotency_key for r in subs} == set(stats)
    assert all(stats[r.idempotency_key].accepted == 1 for r in subs)
    received = [e["event_id"] for e in server.server.store.audit_events()]
    assert sorted(received) == sorted(e.eventID for e in events)
    receipts = outbox.call(lambda s: s.receipts())
    assert len(receipts) == 45 and all(r["outcome"] == "delivered" for r in receipts)


def test_redelivery_after_a_crash_is_replayed_not_accepted_twice(
    outbox: Outbox, deliverer: LinkageDeliverer, server: RunningServer,
    clock: FakeClock,
):
    receipt = outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(1)))
    (item,) = outbox.call(lambda s: s.claim("crashed-sender", 1), writes=True)
    list(deliverer.deliver([item]))  # the server accepts it; the sender dies before recording it
    outbox.call(lambda s: s.reclaim(["crashed-sender"], max_attempts=50), writes=True)
    drain(new_sender(outbox, deliverer, clock), clock)
    stat = server.submissions()[receipt.idempotency_key]
    assert (stat.accepted, stat.replays) == (1, 1)
    (record,) = outbox.call(lambda s: s.receipts())
    assert str(record["confirmation"]).endswith("(replayed)")


def test_server_errors_are_retried_and_rejections_go_to_dead(
    outbox: Outbox, deliverer: LinkageDeliverer, server: RunningServer, creds: KioskCredentials,
    clock: FakeClock,
):
    # The same key already used with another payload: the server answers 422, for good.
    taken = str(uuid.uuid4())
    with linkage_client(server.base_url, creds) as other:
        other.submit(submission(100), taken)
    rejected = outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(101)),
                              idempotency_key=taken)
    fine = outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(102)))
    sender = new_sender(outbox, deliverer, clock)
    server.faults.set("error_5xx", count=2, status=503, retry_after_s=0)
    drain(sender, clock)
    assert server.submissions()[fine.idempotency_key].accepted == 1
    status = outbox.call(lambda s: s.status())
    (dead,) = status.dead
    assert dead.item_id == rejected.item_id and "IdempotencyKeyReused" in dead.reason
    assert status.counts[ItemState.DELIVERED] == 1
    assert server.faults.snapshot()["fired"]["error_5xx"] == 2


def test_outage_makes_it_offline_then_it_drains(
    outbox: Outbox, deliverer: LinkageDeliverer, server: RunningServer,
    clock: FakeClock,
):
    sender = new_sender(outbox, deliverer, clock)
    server.faults.set("outage")
    refs = [outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(n)))
            for n in range(5)]
    sender.run_once()
    sender.run_once()
    assert sender.connectivity is ConnectivityState.OFFLINE
    assert outbox.call(lambda s: s.status()).counts[ItemState.PENDING] == 5
    sender._offline_probe_s = 0.0
    assert sender._offline()  # the probe fails too: still offline, nothing claimed
    server.faults.clear("outage")
    assert not sender._offline()
    assert sender.connectivity is ConnectivityState.ONLINE
    drain(sender, clock)
    assert all(server.submissions()[r.idempotency_key].accepted == 1 for r in refs)


def test_a_header_trickling_server_holds_one_item_for_its_deadline_only(
    outbox: Outbox, server: RunningServer, creds: KioskCredentials, clock: FakeClock,
):
    """Issue 29: the first submission's answer trickles its header bytes (one a second);
    the call ends at the client's 3 s deadline and the sender goes on with the others."""
    from kiosk.linkage.client import Timeouts
    from kiosk.linkage.retry import RetryPolicy as ClientRetryPolicy

    client = linkage_client(server.base_url, creds)
    client.timeouts = Timeouts(connect_s=2.0, read_s=5.0, total_s=3.0)
    client.retry = ClientRetryPolicy(max_attempts=1, total_s=3.0)
    deliverer = LinkageDeliverer(client)
    try:
        subs = [outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(n)))
                for n in range(6)]
        sender = new_sender(outbox, deliverer, clock)
        server.faults.set("trickle_headers", count=1, path_prefix="/api/agency/submissions",
                          latency_ms=1000)
        started = time.monotonic()
        drain(sender, clock)
        took = time.monotonic() - started
    finally:
        deliverer.close()
    assert server.faults.snapshot()["fired"]["trickle_headers"] == 1
    stats = server.submissions()
    assert all(stats[r.idempotency_key].accepted == 1 for r in subs)
    assert 2.0 <= took <= 3.0 + 4.0, took  # one deadline, then the queue drained


def test_submissions_are_on_the_wire_together_up_to_the_concurrency(
    outbox: Outbox, server: RunningServer, creds: KioskCredentials, clock: FakeClock,
):
    """Four deliveries meet at a barrier before each is sent: one at a time, the first
    would wait alone and the barrier would break at its deadline."""
    import threading

    barrier = threading.Barrier(4, timeout=20.0)
    met: list[str] = []

    class Meeting(LinkageDeliverer):
        def _submit(self, item):  # type: ignore[no-untyped-def]
            if len(met) < 4:
                barrier.wait()
                met.append(threading.current_thread().name)
            return super()._submit(item)

    deliverer = Meeting(linkage_client(server.base_url, creds, 4), concurrency=4)
    try:
        refs = [outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(n)))
                for n in range(12)]
        drain(new_sender(outbox, deliverer, clock), clock)
    finally:
        deliverer.close()
    assert len(set(met)) == 4 and all(name.startswith("outbox-deliver") for name in met)
    stats = server.submissions()
    assert all(stats[r.idempotency_key].accepted == 1 for r in refs)
    assert outbox.call(lambda s: s.status()).counts[ItemState.DELIVERED] == 12


def test_concurrency_beyond_the_client_pool_is_refused(server: RunningServer,
                                                       creds: KioskCredentials):
    client = linkage_client(server.base_url, creds, 2)
    try:
        with pytest.raises(ValueError, match="pooled connections"):
            LinkageDeliverer(client, concurrency=3)
    finally:
        client.close()


@pytest.mark.parametrize("value", ["0", "33", '"8"'])
def test_a_bad_delivery_concurrency_names_the_key_and_the_file(tmp_path: Path, value: str):
    from kiosk.config import load_settings
    from kiosk.config.loader import ConfigError

    from .linkage_env import write_kiosk_config

    path = write_kiosk_config(tmp_path, "https://127.0.0.1:1")
    text = path.read_text("utf-8").replace(
        "backoff_cap_s = 0.3", f"backoff_cap_s = 0.3\ndelivery_concurrency = {value}")
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "delivery_concurrency" in str(caught.value) and str(path) in str(caught.value)


def test_the_deliverer_from_settings_pools_one_connection_per_delivery(tmp_path: Path):
    from kiosk.config import load_settings
    from kiosk.linkage.pki import ensure_demo_pki

    from .linkage_env import write_kiosk_config

    path = write_kiosk_config(tmp_path, "https://127.0.0.1:1")
    path.write_text(path.read_text("utf-8").replace(
        "backoff_cap_s = 0.3", "backoff_cap_s = 0.3\ndelivery_concurrency = 5"), "utf-8")
    settings = load_settings(path)
    ensure_demo_pki(settings)
    deliverer = LinkageDeliverer.from_settings(settings)
    try:
        assert (deliverer.concurrency, deliverer.client.max_connections) == (5, 5)
    finally:
        deliverer.close()
