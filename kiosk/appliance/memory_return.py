"""Give the heap memory a session freed back to the system when the session ends.

glibc keeps freed blocks inside its arenas, one per thread that allocates (the kiosk has
~18 threads), and gives pages back only from the top of each heap. So a kiosk's resident
memory creeps up by what sessions allocated and freed in the middle: `bench/soak.py`
measured the arenas' free memory rising 24.75 → 28.81 MB over 1,000 sessions while the
bytes in use rose 2.3 MB (docs/benchmarks.md, "Soak"). A kiosk runs for months, and
between citizens it is idle, so that is when to hand those pages back: ``malloc_trim(0)``
releases the free pages of every arena (``madvise(MADV_DONTNEED)``), and the kernel gives
zeroed pages on their next use.

It runs on the session engine's thread when a session has ended (`subscribe_ends`), never
on the UI thread. Not glibc (musl, other systems): there is no ``malloc_trim``, and this
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable
from typing import Protocol

from kiosk.session.outcome import SessionOutcome

log = logging.getLogger(__name__)


class SessionEnds(Protocol):
    """What `MemoryReturn` needs of the session engine."""

    def subscribe_ends(self, callback: Callable[[SessionOutcome], None]
                       ) -> Callable[[], None]: ...


def glibc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class MemoryReturn:
    """After every session, the freed heap pages go back to the system."""

    def __init__(self, trim: Callable[[], object] | None) -> None:
        """``trim``: what hands freed pages back (`glibc_trim()`); None: nothing does."""
        self._trim = trim
        self.returns = 0
        """How many times memory was handed back (one per ended session)."""

    @property
    def available(self) -> bool:
        return self._trim is not None

    def attach(self, engine: SessionEnds) -> Callable[[], None]:
        """Follow `engine`'s session ends; returns the call that stops following them."""
        if self._trim is None:
            log.info("memory return: no malloc_trim in this C library; not used")
            return lambda: None
        return engine.subscribe_ends(self.on_session_end)

    def on_session_end(self, _outcome: SessionOutcome) -> None:
        if self._trim is None:
            return
        self._trim()
        self.returns += 1
