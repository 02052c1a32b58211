"""A thread-safe list of callbacks: the one observer mechanism of the kiosk's ports."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger("kiosk.observers")


class Subscribers(Generic[T]):
    """Callbacks that each get every new value, on the thread that calls `notify`.

    Callbacks run outside the lock, so one may subscribe or unsubscribe from inside; one
    that raises is logged and does not keep the value from the others.
    """

    def __init__(self, name: str = "subscriber") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[T], None]] = []

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Add `callback`; the returned function removes it again (idempotent)."""
        with self._lock:
            self._callbacks.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return unsubscribe

    def notify(self, value: T) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(value)
            except Exception:
                log.exception("%s failed", self._name)


class Settable(Generic[T]):
    """A value set by hand, told to its subscribers on every `set` (the sources that
    tests, scripts and the demo panel drive: queue health, connectivity)."""

    def __init__(self, value: T, name: str = "subscriber") -> None:
        self._value = value
        self._subscribers: Subscribers[T] = Subscribers(name)

    def get(self) -> T:
        return self._value

    def set(self, value: T) -> None:
        self._value = value
        self._subscribers.notify(value)

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        return self._subscribers.subscribe(callback)
