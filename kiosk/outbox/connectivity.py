"""Is the Linkage server reachable? Derived from real delivery outcomes and a cheap probe.

ONLINE: the last delivery or probe got through and nothing failed since.
DEGRADED: the server answers but with trouble (5xx, 429, 409), or a first connection
failure after being online: submissions still queue, they may take longer.
OFFLINE: repeated connection failures or a failed probe: everything waits in the outbox.

The UI and the maintenance menu read `state` (or subscribe); listeners are called on the
sender's thread, so a UI must hand the change to its own thread (e.g. a Kivy Clock trigger).
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable

from kiosk.outbox.model import DeliveryResult, Outcome

log = logging.getLogger(__name__)


class ConnectivityState(enum.StrEnum):
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"


Listener = Callable[[ConnectivityState], None]


class ConnectivityTracker:
    def __init__(
        self, *, offline_after: int = 2, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._state = ConnectivityState.OFFLINE  # until the first evidence arrives
        self._unreachable_in_a_row = 0
        self._offline_after = offline_after
        self._clock = clock
        self._since = clock()
        self._listeners: list[Listener] = []

    @property
    def state(self) -> ConnectivityState:
        with self._lock:
            return self._state

    @property
    def since(self) -> float:
        """Monotonic time of the last change."""
        with self._lock:
            return self._since

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def record_delivery(self, result: DeliveryResult) -> None:
        if result.outcome is not Outcome.RETRY:
            self._set(ConnectivityState.ONLINE, unreachable=0)
        elif result.reached_server:
            self._set(ConnectivityState.DEGRADED, unreachable=0)
        else:
            self._unreachable()

    def record_probe(self, reachable: bool) -> None:
        if reachable:
            with self._lock:
                keep_degraded = (
                    self._state is ConnectivityState.DEGRADED and self._unreachable_in_a_row == 0
                )
            # A good probe does not clear server-side trouble; only a delivery does.
            self._set(
                ConnectivityState.DEGRADED if keep_degraded else ConnectivityState.ONLINE,
                unreachable=0,
            )
        else:
            self._set(ConnectivityState.OFFLINE, unreachable=self._offline_after)

    def _unreachable(self) -> None:
        with self._lock:
            count = self._unreachable_in_a_row + 1
        state = (
            ConnectivityState.OFFLINE if count >= self._offline_after
            else ConnectivityState.DEGRADED
        )
        self._set(state, unreachable=count)

    def _set(self, state: ConnectivityState, *, unreachable: int) -> None:
        with self._lock:
            self._unreachable_in_a_row = unreachable
            if state is self._state:
                return
            self._state = state
            self._since = self._clock()
            listeners = list(self._listeners)
        log.info("connectivity: %s", state)
        for listener in listeners:
            try:
                listener(state)
            except Exception:  # a faulty listener must not stop deliveries
                log.exception("connectivity listener failed")
