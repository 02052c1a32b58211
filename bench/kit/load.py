"""CPU load beside a bench: a busy kiosk (printing, TLS, the outbox) on the same cores."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager


def _burn() -> None:
    while True:
        pass


@contextmanager
def burners(count: int) -> Iterator[None]:
    """``count`` processes spinning on the CPU for as long as the block runs (0: none)."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_burn, daemon=True) for _ in range(count)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(5)
