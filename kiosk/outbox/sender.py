"""The sender: claim due items, hand them to a `Deliverer`, record what happened.

Runs as a thread in the kiosk process and/or as ``python -m kiosk outbox run`` (its own
systemd service); both at once is safe, since claims are atomic and each sender holds a
lease (`kiosk.outbox.leases`) so in-flight items of a crashed one are reclaimed — at start
and then periodically — while those of a live one are left alone.

Every item carries its own Idempotency-Key, so a retry after a crash between "the server
accepted it" and "we recorded that" is deduplicated by the server: effectively once.

Retry timing: exponential backoff with full jitter, ``uniform(0, min(cap, base·2^(n-1)))``;
a Retry-After from the server is a floor (obeyed up to a day). Permanent errors,
items past ``max_attempts`` and items older than ``max_age_hours`` go to dead with the reason.
While the connection is OFFLINE, the sender only probes, so an outage does not burn
attempts; when the probe succeeds, waiting items become due at once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from kiosk.config.settings import OutboxSettings
from kiosk.outbox.connectivity import ConnectivityState
from kiosk.outbox.health import OutboxUnavailable
from kiosk.outbox.leases import SenderLease, lease_is_alive, sweep_dead_leases
from kiosk.outbox.model import Deliverer, DeliveryResult, ItemState, Outcome, OutgoingItem
from kiosk.outbox.service import Outbox
from kiosk.outbox.store import PurgeFailed, Settlement

log = logging.getLogger(__name__)

class DepthReport(Protocol):
    """The port for the outbox's gauges (waiting, dead, oldest waiting age in seconds): the
    appliance passes its metrics function in, so the outbox depends on nothing above it."""

    def __call__(self, waiting: int, dead: int, oldest_age_s: float | None, /) -> None: ...


def _no_report(waiting: int, dead: int, oldest_age_s: float | None, /) -> None:
    return None


def _no_tick() -> None:
    return None


MAX_RETRY_AFTER_S = 86400.0
"""A Retry-After is obeyed up to a day (a quota resets at midnight); beyond is nonsense."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    max_age_s: float
    base_s: float
    cap_s: float

    @classmethod
    def from_settings(cls, settings: OutboxSettings) -> RetryPolicy:
        return cls(
            max_attempts=settings.max_attempts,
            max_age_s=settings.max_age_hours * 3600.0,
            base_s=settings.backoff_base_s,
            cap_s=settings.backoff_cap_s,
        )

    def backoff(self, attempts: int, rng: random.Random) -> float:
        """Full jitter: uniform over [0, min(cap, base·2^(attempts-1))]."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(max(attempts - 1, 0), 60))
        return rng.uniform(0.0, ceiling)

    def settle(
        self, item: OutgoingItem, result: DeliveryResult, now: float, rng: random.Random
    ) -> Settlement:
        if result.outcome is Outcome.DELIVERED:
            return Settlement(item.item_id, ItemState.DELIVERED, confirmation=result.confirmation)
        if result.outcome is Outcome.PERMANENT:
            return Settlement(item.item_id, ItemState.DEAD, error=f"rejected: {result.reason}")
        if item.attempts >= self.max_attempts:
            return Settlement(
                item.item_id, ItemState.DEAD,
                error=f"gave up after {item.attempts} attempts: {result.reason}",
            )
        if now - item.age_from >= self.max_age_s:
            return Settlement(
                item.item_id, ItemState.DEAD,
                error=f"expired after {self.max_age_s / 3600:g} h: {result.reason}",
            )
        delay = self.backoff(item.attempts, rng)
        if result.retry_after_s is not None:
            delay = max(delay, min(result.retry_after_s, MAX_RETRY_AFTER_S))
        return Settlement(
            item.item_id, ItemState.PENDING, error=result.reason, next_attempt_at=now + delay
        )


class Sender:
    def __init__(
        self,
        outbox: Outbox,
        deliverer: Deliverer,
        *,
        policy: RetryPolicy | None = None,
        batch_size: int = 50,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        idle_wait_s: float = 0.5,
        offline_probe_s: float = 5.0,
        probe_interval_s: float = 30.0,
        housekeeping_s: float = 30.0,
        settle_every: int = 25,
        settle_after_s: float = 0.1,
        report_depth: DepthReport = _no_report,
        on_tick: Callable[[], object] = _no_tick,
    ) -> None:
        self.outbox = outbox
        self.deliverer = deliverer
        self.policy = policy or RetryPolicy.from_settings(outbox.settings)
        self.batch_size = batch_size
        self.settle_every = settle_every
        self.settle_after_s = settle_after_s
        self._rng = rng or random.SystemRandom()
        self._clock = clock
        self._idle_wait_s = idle_wait_s
        self._offline_probe_s = offline_probe_s
        self._probe_interval_s = probe_interval_s
        self._housekeeping_s = housekeeping_s
        self._report_depth = report_depth
        # "This loop made progress or is idle by design": called from the loop itself after
        # each round and each settled item (the service pings systemd's watchdog and writes
        # the heartbeat here), so a stuck read or lock stops it.
        self._on_tick = on_tick
        self._lease: SenderLease | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_probe = float("-inf")
        self._last_housekeeping = float("-inf")

    @property
    def connectivity(self) -> ConnectivityState:
        return self.outbox.connectivity.state

    # -- lifecycle -------------------------------------------------------------------------

    def start_lease(self) -> None:
        if self._lease is None:
            database = self.outbox.settings.database
            self._lease = SenderLease(database, self._clock())
            swept = sweep_dead_leases(database)  # senders killed before releasing theirs
            if swept:
                log.info("removed %d lease file(s) of senders that are gone", swept)
        self.reclaim_stale()

    @property
    def lease_id(self) -> str:
        if self._lease is None:
            raise RuntimeError("sender has no lease: call start_lease() first")
        return self._lease.lease_id

    def reclaim_stale(self) -> int:
        """Put in-flight items of senders that are no longer running back to pending."""
        database = self.outbox.settings.database
        leases = self.outbox.call(lambda s: s.in_flight_leases())
        # Runs between batches only, so items still in flight under our own lease are
        # orphans too (their settle failed, e.g. disk full): they go back to pending.
        gone = [
            lease for lease in leases
            if lease == self.lease_id or not lease_is_alive(database, lease)
        ]
        if not gone:
            return 0
        count = self.outbox.call(
            lambda s: s.reclaim(gone, max_attempts=self.policy.max_attempts), writes=True
        )
        if count:
            log.warning("reclaimed %d in-flight item(s) of %d stopped sender(s)", count, len(gone))
        return count

    def start_thread(self) -> threading.Thread:
        """Run in the kiosk process, on its own thread."""
        self._thread = threading.Thread(target=self.run, name="outbox-sender", daemon=True)
        self._thread.start()
        return self._thread

    def request_stop(self) -> None:
        """Ask `run` to finish its current batch and return (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        """Deliver until `stop()`; the current batch is finished and recorded first.

        Never gives up: a store that is unavailable at start (disk full, read-only volume)
        is retried, and in-flight items of crashed senders are reclaimed by the first
        housekeeping round.
        """
        try:
            while not self._stop.is_set():
                self._on_tick()
                try:
                    self.start_lease()
                    self._housekeeping()
                    if self._offline():
                        self._stop.wait(self._idle_wait_s)
                        continue
                    if self.run_once() == 0:
                        self._idle()
                except OutboxUnavailable as exc:
                    log.warning("outbox unavailable (%s); sender waits", exc.health)
                    self._stop.wait(5.0)
                except Exception:  # a bug must not silently end deliveries for good
                    log.exception("outbox sender round failed; trying again")
                    self._stop.wait(5.0)
        finally:
            if self._lease is not None:
                self._lease.release()
                self._lease = None

    # -- one round ---------------------------------------------------------------------------

    def run_once(self) -> int:
        """Claim one batch, deliver it, record the outcomes. Returns the batch size.

        Outcomes are recorded as they come, in groups (group commit: one fsync for up to
        `settle_every` results or `settle_after_s`), so a crash mid-batch re-sends little.
        A group's commit runs on the store's one writer thread while the next deliveries
        go on (the writer keeps the order: claim, then the groups); the round waits for
        all of them before it returns, and a failed one fails the round (its items stay in
        flight under this lease and are reclaimed, as after a crash).
        """
        lease_id = self.lease_id
        items = self.outbox.call(
            lambda s: s.claim(lease_id, self.batch_size, max_age_s=self.policy.max_age_s),
            writes=True,
        )
        if not items:
            return 0
        group: list[Settlement] = []
        committing: list[Future[int]] = []
        group_started = time.monotonic()
        try:
            for item, result in zip(items, self._deliver(items), strict=True):
                self.outbox.connectivity.record_delivery(result)
                group.append(self.policy.settle(item, result, self._clock(), self._rng))
                self._on_tick()
                if len(group) >= self.settle_every or (
                    time.monotonic() - group_started >= self.settle_after_s
                ):
                    committing.append(self._settle(lease_id, group))
                    group, group_started = [], time.monotonic()
            if group:
                committing.append(self._settle(lease_id, group))
        finally:
            for future in committing:
                future.result()  # the first failure is raised, after all have run
        return len(items)

    def _settle(self, lease_id: str, group: list[Settlement]) -> Future[int]:
        settlements = list(group)
        return self.outbox.submit(lambda s: s.settle(lease_id, settlements), writes=True)

    def _deliver(self, items: Sequence[OutgoingItem]) -> Iterator[DeliveryResult]:
        """The deliverer's results in order; whatever it fails to answer is retried later."""
        given = 0
        try:
            for result in self.deliverer.deliver(items):
                if given == len(items):
                    log.error("deliverer returned more results than items; extra ignored")
                    break
                given += 1
                yield result
        except Exception as exc:  # a deliverer bug must not lose or kill items
            log.exception("deliverer failed")
            reason = f"deliverer error: {type(exc).__name__}"
        else:
            reason = f"deliverer returned {given} results for {len(items)} items"
        for _ in range(len(items) - given):
            yield DeliveryResult.retry(reason, reached_server=False)

    def _offline(self) -> bool:
        """While OFFLINE, only probe; when the server is back, waiting items are due now."""
        if self.connectivity is not ConnectivityState.OFFLINE:
            return False
        now = time.monotonic()
        if now - self._last_probe < self._offline_probe_s:
            return True
        self._probe(now)
        if self.connectivity is ConnectivityState.OFFLINE:
            return True
        self.outbox.call(lambda s: s.make_due_now(), writes=True)
        return False

    def _probe(self, now: float) -> None:
        self._last_probe = now
        try:
            reachable = bool(self.deliverer.probe())
        except Exception:
            log.exception("probe failed")
            reachable = False
        self.outbox.connectivity.record_probe(reachable)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < self._housekeeping_s:
            return
        self._last_housekeeping = now
        self.reclaim_stale()
        retention_s = self.outbox.settings.dead_retention_days * 86400.0
        purged = self.outbox.call(lambda s: s.purge_dead(retention_s), writes=True)
        if purged:
            log.info("purged %d dead item(s) past retention", purged)
        receipts_s = self.outbox.settings.receipt_retention_days * 86400.0
        try:
            dropped = self.outbox.call(lambda s: s.purge_receipts(receipts_s), writes=True)
        except PurgeFailed as exc:
            log.warning("outbox: %s", exc)  # nothing deleted; the next round tries again
        else:
            if dropped:
                log.info("purged %d receipt(s) past retention", dropped)
        status = self.outbox.call(lambda s: s.status(dead_limit=0))
        waiting = status.counts[ItemState.PENDING] + status.counts[ItemState.IN_FLIGHT]
        oldest = None if status.oldest_pending_at is None else (
            self._clock() - status.oldest_pending_at)
        self._report_depth(waiting, status.counts[ItemState.DEAD], oldest)

    def _idle(self) -> None:
        if time.monotonic() - self._last_probe >= self._probe_interval_s:
            self._probe(time.monotonic())  # keeps the connectivity state fresh when idle
        next_due = self.outbox.call(lambda s: s.next_due_at())
        wait = self._idle_wait_s
        if next_due is not None:
            wait = min(wait, max(0.0, next_due - self._clock()))
        if wait > 0:
            self.outbox.wait_for_work(wait)
