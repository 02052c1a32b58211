"""`Outbox`: the thread-safe face of the store for the rest of the kiosk.

One thread per process (``outbox-db``) owns the SQLite connection; every other thread —
the sender, the session, the maintenance menu — hands it work and gets a `Future`. The UI
thread only ever uses the ``*_async`` methods and never waits on the future itself (attach
a callback that schedules onto the UI thread), so an fsync or a busy database never
freezes the screen.

Storage failures never propagate as crashes: they become `StoreHealth` (disk full,
read-only, corrupt), a technician alert, and `OutboxUnavailable` for the caller; while the
health is not OK, `accepting` is False and the UI stops offering queueable services. A
periodic re-check (a tiny durable write, or a reopen) brings it back when the cause is gone.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from kiosk.config.loader import ConfigError
from kiosk.config.settings import OutboxSettings
from kiosk.outbox.connectivity import ConnectivityTracker
from kiosk.outbox.crypto import ItemSealer, load_outbox_cipher
from kiosk.outbox.health import (
    AlertSink,
    OutboxUnavailable,
    StoreHealth,
    TechnicianAlert,
    classify,
    log_alert,
    refine,
)
from kiosk.outbox.ledger import LossCount
from kiosk.outbox.model import EnqueueReceipt, ItemKind, OutboxStatus
from kiosk.outbox.salvage import SalvageResult
from kiosk.outbox.store import OutboxStore

log = logging.getLogger(__name__)
T = TypeVar("T")

RECHECK_INTERVAL_S = 10.0
MIN_FREE_BYTES = 64 * 1024
"""A full volume counts as usable again only with at least this much free."""
HealthListener = Callable[[StoreHealth], None]


class Outbox:
    def __init__(
        self,
        settings: OutboxSettings,
        kiosk_id: str,
        *,
        sealer: ItemSealer | None = None,
        alerts: AlertSink = log_alert,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.kiosk_id = kiosk_id
        self.connectivity = ConnectivityTracker()
        self._sealer = sealer or load_outbox_cipher(settings)  # a bad key stops the start
        self._alerts = alerts
        self._clock = clock
        self._store: OutboxStore | None = None
        self._lock = threading.Lock()
        self._health = StoreHealth.OK
        self._last_check = 0.0
        self._health_listeners: list[HealthListener] = []
        self._rechecking = False
        self._closed = False
        self._closed_event = threading.Event()
        self._enqueued = threading.Condition()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db")
        # Opening runs the integrity check and migrations: at start-up, before the UI runs.
        # A wrong key or a newer schema stops the start (ConfigError); a storage failure
        # does not: it becomes `health` and the kiosk runs without queueable services.
        try:
            self._executor.submit(self._open).result()
        except BaseException:
            self._executor.shutdown(wait=True)
            raise
        self.connectivity.subscribe(self._remember_connectivity)

    # -- health ----------------------------------------------------------------------------

    @property
    def health(self) -> StoreHealth:
        with self._lock:
            return self._health

    @property
    def accepting(self) -> bool:
        """Whether the UI may offer services that need the outbox."""
        return self.health is StoreHealth.OK

    @property
    def last_salvage(self) -> SalvageResult | None:
        """The salvage done when this process opened a damaged store ("N salvaged,
        M lost": ``.salvaged``, ``.lost``), or None; for health and metrics."""
        store = self._store
        return None if store is None else store.salvage

    def subscribe_health(self, listener: HealthListener) -> None:
        with self._lock:
            self._health_listeners.append(listener)

    def wait_open(self, timeout: float | None = None) -> StoreHealth:
        """The health after opening (the constructor already waited for the open)."""
        return self.health

    def _set_health(self, health: StoreHealth, detail: str = "") -> None:
        with self._lock:
            previous, self._health = self._health, health
            self._last_check = time.monotonic()
            listeners = list(self._health_listeners)
        if health is previous:
            return
        if health is StoreHealth.OK:
            log.warning("outbox store healthy again (was %s)", previous)
        else:
            message = health.technician_message + (f": {detail}" if detail else "")
            self._alerts(TechnicianAlert("outbox", health, message))
            self._start_rechecks()
        for listener in listeners:
            try:
                listener(health)
            except Exception:
                log.exception("outbox health listener failed")

    def _open(self) -> None:
        def open_store() -> None:
            self._store = OutboxStore(
                self.settings.database, self._sealer, self.kiosk_id,
                clock=self._clock, alerts=self._alerts,
            )

        self._attempt(open_store)

    def _attempt(self, work: Callable[[], object]) -> None:
        """Run `work` on the store; a storage failure becomes the health it shows (and
        success makes it OK). A wrong key or a newer schema refuses to run instead."""
        try:
            work()
        except ConfigError:
            raise
        except Exception as exc:
            health = classify(exc)
            if health is None:
                raise
            self._set_health(refine(health, self.settings.database), str(exc))
            return
        self._set_health(StoreHealth.OK)

    def _recheck(self) -> None:
        """On the owner thread: try to get back to OK (reopen, or one durable write)."""
        if self._store is None or self.health is StoreHealth.CORRUPT:
            if self._store is not None:
                self._store.close()  # reopening runs the integrity check / move-aside
                self._store = None
            self._open()
            return
        if self.health is StoreHealth.DISK_FULL and _free_bytes(self.settings) < MIN_FREE_BYTES:
            # A tiny heartbeat can still fit in a reused WAL frame: without real room the
            # next enqueue would fail again, and the alert would flap.
            with self._lock:
                self._last_check = time.monotonic()
            return
        self._attempt(self._store.heartbeat)

    def _start_rechecks(self) -> None:
        """While unhealthy, re-check on a timer: a UI that stopped offering queueable
        services makes no calls that would notice the disk was freed."""
        with self._lock:
            if self._rechecking or self._closed:
                return
            self._rechecking = True
        threading.Thread(target=self._recheck_loop, name="outbox-recheck", daemon=True).start()

    def _recheck_loop(self) -> None:
        try:
            while not self._closed_event.wait(RECHECK_INTERVAL_S):
                try:
                    if self.recheck().result() is StoreHealth.OK:
                        return
                except Exception:  # closed meanwhile, or a reopen refused
                    if not self._closed_event.is_set():
                        log.exception("outbox re-check failed")
                    return
        finally:
            with self._lock:
                self._rechecking = False

    def recheck(self) -> Future[StoreHealth]:
        def run() -> StoreHealth:
            self._recheck()
            return self.health

        return self._executor.submit(run)

    # -- running work on the owner thread --------------------------------------------------

    def submit(self, work: Callable[[OutboxStore], T], *, writes: bool = False) -> Future[T]:
        """Run ``work(store)`` on the owner thread. Storage failures → `OutboxUnavailable`."""

        def run() -> T:
            due = time.monotonic() - self._last_check >= RECHECK_INTERVAL_S
            if self.health is not StoreHealth.OK and due:
                self._recheck()
            store = self._store
            if store is None or (writes and self.health is not StoreHealth.OK):
                raise OutboxUnavailable(self.health)
            try:
                return work(store)
            except Exception as exc:
                health = classify(exc)
                if health is None:
                    raise
                health = refine(health, self.settings.database)
                self._set_health(health, str(exc))
                raise OutboxUnavailable(health, str(exc)) from exc

        return self._executor.submit(run)

    def call(self, work: Callable[[OutboxStore], T], *, writes: bool = False) -> T:
        """Blocking `submit` for worker threads and commands (never the UI thread)."""
        return self.submit(work, writes=writes).result()

    # -- the API the kiosk uses ------------------------------------------------------------

    def enqueue_async(
        self, kind: ItemKind, payload: bytes, idempotency_key: str | None = None
    ) -> Future[EnqueueReceipt]:
        future = self.submit(lambda s: s.enqueue(kind, payload, idempotency_key), writes=True)
        future.add_done_callback(self._wake_sender)
        return future

    def enqueue(
        self, kind: ItemKind, payload: bytes, idempotency_key: str | None = None
    ) -> EnqueueReceipt:
        return self.enqueue_async(kind, payload, idempotency_key).result()

    def status_async(self) -> Future[OutboxStatus]:
        return self.submit(lambda s: s.status())

    def loss_async(self) -> Future[LossCount]:
        """Accepted items lost by the store, from the ledger beside it (`ledger`)."""
        return self.submit(lambda s: s.loss())

    def wait_for_work(self, timeout: float) -> None:
        """Sleep until an item is enqueued in this process or ``timeout`` passes."""
        with self._enqueued:
            self._enqueued.wait(timeout)

    def _wake_sender(self, future: Future[EnqueueReceipt]) -> None:
        if future.exception() is None:
            with self._enqueued:
                self._enqueued.notify_all()

    def _remember_connectivity(self, state: object) -> None:
        # For the maintenance menu of another process (`outbox status`); best effort.
        self.submit(lambda s: s.set_meta("connectivity", str(state)), writes=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._closed_event.set()

        def shut() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._executor.submit(shut)
        self._executor.shutdown(wait=True)


def _free_bytes(settings: OutboxSettings) -> int:
    try:
        st = os.statvfs(settings.database.parent)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize
