"""The soak's harness in processes of its own: the reference Linkage server and the
virtual printer each run as ``python -m ...``, so what the kiosk's process holds is the
kiosk's alone, and each helper's own resident memory, threads and descriptors are read
from its pid and reported apart."""

from __future__ import annotations

import ctypes
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kit.memory import rss_mb

REPO = Path(__file__).resolve().parents[2]

try:
    _LIBC: Any = ctypes.CDLL("libc.so.6")
except OSError:
    _LIBC = None


def _die_with_parent() -> None:
    if _LIBC is not None:  # PR_SET_PDEATHSIG: a killed soak leaves no helper behind
        _LIBC.prctl(1, signal.SIGTERM)


class HelperProcess:
    """``python -m <module> ...`` started from the repository; waits for the first line of
    its standard output that matches ``ready`` and keeps that match."""

    name = "helper"

    def __init__(self, argv: list[str], ready: str, *, stderr: int | None = None,
                 startup_timeout_s: float = 30.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *argv], cwd=REPO, stdout=subprocess.PIPE, stderr=stderr,
            text=True, preexec_fn=_die_with_parent)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + startup_timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"the {self.name} process did not start")
            if not select.select([self.proc.stdout], [], [], left)[0]:
                continue
            line = self.proc.stdout.readline()
            found = re.search(ready, line)
            if found:
                self.ready = found
                break
        self.pid = self.proc.pid

    def figures(self) -> dict[str, float]:
        """Its resident set, threads and open descriptors now."""
        return {"rss_mb": rss_mb(self.pid),
                "threads": len(os.listdir(f"/proc/{self.pid}/task")),
                "open_fds": len(os.listdir(f"/proc/{self.pid}/fd"))}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class ServerProcess(HelperProcess):
    """The reference Linkage server (mutual TLS on a free loopback port, no ThaID)."""

    name = "reference Linkage server"

    def __init__(self, state_dir: Path, pki_dir: Path) -> None:
        super().__init__(["simulators.linkage_server", "--host", "127.0.0.1", "--port", "0",
                          "--state-dir", str(state_dir), "--pki-dir", str(pki_dir),
                          "--no-thaid"], r"(https://[0-9.]+:[0-9]+)")
        self.base_url = self.ready.group(1)


class PrinterProcess(HelperProcess):
    """The virtual ESC/POS printer on a free loopback TCP port; the kiosk reaches it with
    its real network transport (``printer.transport = "network"``), as it reaches a LAN
    printer. Its decoding and PNG rendering of each receipt stay out of the kiosk's
    process, and its list of received receipts grows there, not here."""

    name = "virtual printer"

    def __init__(self, out_dir: Path, *, width: int = 576, dpi: int = 203) -> None:
        super().__init__(["simulators.vprinter", "--host", "127.0.0.1", "--port", "0",
                          "--out", str(out_dir), "--width", str(width), "--dpi", str(dpi)],
                         r"virtual printer: tcp ([0-9.]+):([0-9]+)",
                         # it logs a line per receipt: a thousand of them would bury the
                         # soak's own report (a failed print shows as the kiosk's error)
                         stderr=subprocess.DEVNULL)
        self.host, self.port = self.ready.group(1), int(self.ready.group(2))
