"""sd_notify over a real unix datagram socket; a stalled main loop stops the pings.

Without booting systemd (test_container.py does, in a container), the test plays
systemd's part of the protocol itself: it owns the notify socket, reads the datagrams and
applies systemd's rule
(no WATCHDOG=1 within WATCHDOG_USEC -> the service is hung and gets killed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kiosk.appliance.watchdog import Watchdog

REPO = Path(__file__).resolve().parents[2]


def receive(sock: socket.socket, timeout: float) -> str | None:
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except TimeoutError:
        return None


def test_disabled_outside_systemd() -> None:
    wd = Watchdog({})
    assert not wd.enabled and wd.ping_interval_s is None
    assert wd.ready() is False and wd.ping() is False


def test_ready_status_and_ping_datagrams(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    wd = Watchdog({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert wd.ping_interval_s == 15.0
    assert wd.ready("idle")
    assert receive(sock, 1) == "READY=1\nSTATUS=idle"
    assert wd.ping()
    assert receive(sock, 1) == "WATCHDOG=1"
    assert wd.status("outbox 3 waiting")
    assert receive(sock, 1) == "STATUS=outbox 3 waiting"
    with pytest.raises(ValueError):
        wd.notify("STATUS=two\nlines")
    wd.close()


def test_watchdog_for_another_pid_is_ignored(notify_socket: tuple[socket.socket, str]) -> None:
    _, path = notify_socket
    wd = Watchdog({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert wd.enabled and not wd.watchdog_enabled and wd.ping() is False


def test_abstract_socket_address() -> None:
    name = f"linkage-kiosk-test-{os.getpid()}-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    try:
        assert Watchdog({"NOTIFY_SOCKET": "@" + name}).ready()
        assert receive(sock, 1) == "READY=1"
    finally:
        sock.close()


def test_send_failure_reports_false_not_raise(tmp_path: Path) -> None:
    wd = Watchdog({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens"), "WATCHDOG_USEC": "1000"})
    assert wd.ping() is False


# A main loop (asyncio, like any event loop) that pings from a repeating callback, then
# runs one callback that blocks: the loop is frozen, exactly like a hung UI.
STALLING_APP = textwrap.dedent(
    """
    import asyncio, time
    from kiosk.appliance.watchdog import Watchdog

    wd = Watchdog()
    loop = asyncio.new_event_loop()
    ticks = 0

    def tick():
        global ticks
        ticks += 1
        wd.ping()
        if ticks == 5:
            wd.status("stalling")  # tells the test the pings are over (not part of the bug)
            loop.call_soon(lambda: time.sleep(3600))   # the bug: main loop blocked
        loop.call_later(wd.ping_interval_s, tick)

    wd.ready("running")
    loop.call_soon(tick)
    loop.run_forever()
    """
)


def test_stalled_main_loop_stops_the_pings(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    usec = 400_000
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(usec), PYTHONPATH=str(REPO))
    env.pop("WATCHDOG_PID", None)
    app = subprocess.Popen([sys.executable, "-c", STALLING_APP], env=env)
    try:
        assert receive(sock, 20) == "READY=1\nSTATUS=running"
        # Counted by message, not by timing: a loaded machine may delay any ping.
        pings = 0
        while (msg := receive(sock, 20)) != "STATUS=stalling":
            assert msg == "WATCHDOG=1", msg
            pings += 1
        assert pings == 5
        # systemd's verdict: no WATCHDOG=1 within WatchdogSec (and far beyond it).
        assert receive(sock, 5 * usec / 1_000_000) is None
        # The process is alive but hung: exactly the case only the watchdog catches.
        assert app.poll() is None
    finally:
        app.kill()
        app.wait()
