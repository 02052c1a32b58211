"""The reference Linkage centre as its clients see it from outside: the citizens it knows,
and the URL its process prints once it listens (bench and tests start it the same way)."""

from __future__ import annotations

import functools
import re
import subprocess
import time

from simulators.linkage_server.data import SeedIndex

_URL = re.compile(r"(https://127\.0\.0\.1:\d+)")


@functools.cache
def _registered() -> tuple[str, ...]:
    return tuple(SeedIndex.load_default().citizen_ids())


def registered_citizen(n: int) -> str:
    """The ``n``-th citizen ID the centre knows (it refuses others, as the real one would);
    ``n`` wraps around, so any count of submissions has a registered submitter."""
    ids = _registered()
    return ids[n % len(ids)]


def await_url(proc: subprocess.Popen[str], *, timeout_s: float = 30.0) -> str:
    """The loopback URL a server process started with ``stdout=PIPE, text=True`` prints
    when it listens. A process that prints none in time is killed (RuntimeError).

    (The deadline is checked between lines: a process that prints nothing at all blocks
    the read until it exits.)"""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = _URL.search(proc.stdout.readline())
        if found:
            return found.group(1)
    proc.kill()
    raise RuntimeError("reference server did not start")
