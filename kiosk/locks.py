"""Is someone else holding a flock? The one probe behind "session open" and "sender alive".

A process holds an exclusive ``flock`` for as long as it lives (the kernel drops it on
exit, even on SIGKILL), so whether a file can be locked tells a live holder from a dead
one without timestamps or guesses.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def flock_held(path: Path, *, shared: bool = False) -> bool | None:
    """True while another process holds an exclusive flock on ``path``, False when nobody
    does, None when there is no such file.

    The probe takes the lock without waiting and drops it at once. ``shared``: probe with
    a shared lock, so two probers at the same moment do not take each other for a holder
    (the file is then opened read-only; an exclusive probe opens it read-write).
    """
    try:
        fd = os.open(path, os.O_RDONLY if shared else os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops our probe lock, if we got it
    return False
