"""Worker processes for the crash test, started from a pre-imported "zygote".

``python crash_worker.py CONFIG ACCEPTED_LOG`` reads commands on stdin, one a line:

    sender        fork a child running ``python -m kiosk outbox run`` (the same code path)
    enqueue RUN   fork a child enqueuing submissions with keys RUN-0, RUN-1, ...

and answers each with ``<pid>`` on stdout. Children are real processes with their own
SQLite connection; the test kills them with SIGKILL. Forking from a process that already
imported everything (and has no threads or open databases) makes a restart take
milliseconds instead of an interpreter start, so hundreds of kills fit in a minute.

An enqueuing child appends ``KEY`` to ACCEPTED_LOG (O_APPEND, one write per line) only
after `enqueue` returned, i.e. after the item was durably committed: those are the items
the kiosk told a citizen it accepted.
"""

from __future__ import annotations

import ctypes
import os
import random
import signal
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ (for outbox.*)
# The checkout this file is in, before any installed copy: the workers run the code under
# test, not whatever the venv's editable install points at.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import kiosk.__main__ as kiosk_main
from kiosk.config import load_settings
from kiosk.outbox.linkage_deliverer import encode_submission
from kiosk.outbox.model import ItemKind
from kiosk.outbox.service import Outbox
from outbox.linkage_env import submission


def enqueue_forever(config: str, accepted_log: str, run: str) -> None:
    settings = load_settings(config)
    outbox = Outbox(settings.outbox, settings.kiosk.id)
    fd = os.open(accepted_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    i = 0
    while True:
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"crash-test/{run}/{i}"))  # the contract: a UUID
        outbox.enqueue(ItemKind.SUBMISSION, encode_submission(submission(i)),
                       idempotency_key=key)
        os.write(fd, f"{key}\n".encode())
        i += 1
        # Far above any kiosk's rate, yet leaves the sender's transactions room: a writer
        # in a tight loop starves other processes' writers (SQLite's busy handler sleeps).
        time.sleep(random.uniform(0.002, 0.01))


def child(argv: list[str], config: str, accepted_log: str) -> int:
    if argv[0] == "sender":
        return kiosk_main.main(["--config", config, "outbox", "run"])
    if argv[0] == "enqueue":
        enqueue_forever(config, accepted_log, argv[1])
    return 2


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: if the zygote dies (the test was killed), its children die too."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def main() -> None:
    config, accepted_log = sys.argv[1], sys.argv[2]
    for line in sys.stdin:
        while True:  # reap killed children so they do not pile up as zombies
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        argv = line.split()
        if not argv:
            continue
        pid = os.fork()
        if pid == 0:
            _die_with_parent()
            sys.stdin.close()
            code = 1
            try:
                code = child(argv, config, accepted_log)
            finally:
                os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
