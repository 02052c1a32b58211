"""Resident memory as the kernel counts it, for the benches that report it (`ui`, `soak`)."""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """This process's peak resident set size (``ru_maxrss``), MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident set size now (``/proc/<pid>/statm``), MiB, to 0.01."""
    with open(f"/proc/{pid}/statm") as statm:
        return round(int(statm.read().split()[1]) * resource.getpagesize() / 2**20, 2)
