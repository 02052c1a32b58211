"""systemd readiness and watchdog notifications over ``$NOTIFY_SOCKET`` (sd_notify).

The protocol is one datagram of ``KEY=value`` lines to a unix socket, so a plain socket
does it; no library needed. Unlike ``sdnotify`` (which swallows every error), a failed
send is logged once — a silent watchdog failure would look like a frozen kiosk.

Whoever owns the main loop calls `Watchdog.ping()` from *inside* that loop (the UI does
it from a Kivy ``Clock.schedule_interval`` callback at `Watchdog.ping_interval_s`): if the
loop stalls, the pings stop and systemd restarts the service after ``WatchdogSec``.
Never ping from a helper thread — that would keep a frozen UI alive.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Watchdog:
    """sd_notify client. Without ``$NOTIFY_SOCKET`` (not under systemd) every call is a no-op."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self._address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self._usec = _watchdog_usec(env)
        self._lock = threading.Lock()
        self._warned = False
        self._sock: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notify socket."""
        return self._address is not None

    @property
    def watchdog_enabled(self) -> bool:
        return self.enabled and self._usec is not None

    @property
    def ping_interval_s(self) -> float | None:
        """Half of ``$WATCHDOG_USEC`` as systemd recommends; None when no watchdog is set."""
        if not self.watchdog_enabled or self._usec is None:
            return None
        return self._usec / 2 / 1_000_000

    def ready(self, status: str = "") -> bool:
        """Tell systemd the service is up (``Type=notify`` waits for this)."""
        return self.notify("READY=1", *((f"STATUS={status}",) if status else ()))

    def ping(self) -> bool:
        """``WATCHDOG=1``: call from the main loop, at least every `ping_interval_s`."""
        if not self.watchdog_enabled:
            return False
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        """One line shown by ``systemctl status`` (never personal data)."""
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def notify(self, *fields: str) -> bool:
        if self._address is None:
            return False
        for field in fields:
            if "\n" in field or "=" not in field:
                raise ValueError(f"not a KEY=value notify field: {field!r}")
        payload = "\n".join(fields).encode("utf-8")
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._sock.setblocking(False)
                self._sock.sendto(payload, self._address)
            except OSError as exc:
                if not self._warned:
                    log.warning("sd_notify to %r failed: %s", self._address, exc)
                    self._warned = True
                return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _socket_address(value: str) -> str | bytes | None:
    if not value:
        return None
    if value.startswith("@"):
        return b"\0" + value[1:].encode()  # abstract namespace socket
    if value.startswith("/"):
        return value
    log.warning("ignoring NOTIFY_SOCKET %r: neither a path nor an abstract socket", value)
    return None


def _watchdog_usec(env: Mapping[str, str]) -> int | None:
    raw = env.get("WATCHDOG_USEC", "")
    if not raw:
        return None
    pid = env.get("WATCHDOG_PID", "")
    # systemd names the process the watchdog is meant for; a child must not ping for it.
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(raw)
    except ValueError:
        log.warning("ignoring WATCHDOG_USEC %r: not an integer", raw)
        return None
    return usec if usec > 0 else None
