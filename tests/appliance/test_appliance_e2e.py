"""The appliance entry point as systemd runs it: `python -m kiosk.appliance`.

A real kiosk process (demo config: simulated card, virtual printer, in-process reference
server) on an X display, with a notify socket standing in for systemd (the real one runs
the installed units in test_container.py): READY=1 once the UI runs, WATCHDOG=1 from the
Kivy main loop, metrics on loopback, and a clean stop on SIGTERM with STOPPING=1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "ui"))
from uikit_display import ensure_display  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def appliance_config(tmp_path: Path, metrics_port: int) -> Path:
    """The shipped demo config with every path made absolute and free ports."""
    text = (REPO / "config" / "kiosk.toml").read_text(encoding="utf-8")
    state = tmp_path / "state"
    text = text.replace('"../.state', f'"{state}')
    text = text.replace('"../seeds/', f'"{REPO}/seeds/')
    text = text.replace('profiles_file = "printer-profiles.toml"',
                        f'profiles_file = "{REPO}/config/printer-profiles.toml"')
    text = text.replace('services_file = "services.toml"',
                        f'services_file = "{REPO}/config/services.toml"')
    text = text.replace("https://127.0.0.1:8443", f"https://127.0.0.1:{free_port()}")
    text = text.replace("metrics_port = 0", f"metrics_port = {metrics_port}")
    text = text.replace("demo_panel = true", "demo_panel = false")
    assert str(state) in text and str(metrics_port) in text
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def next_message(sock: socket.socket, deadline: float) -> str | None:
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        return sock.recv(4096).decode()
    except TimeoutError:
        return None


@pytest.mark.ui
def test_appliance_notifies_pings_serves_metrics_and_stops_cleanly(
    tmp_path: Path, notify_socket: tuple[socket.socket, str]
) -> None:
    ensure_display()
    sock, path = notify_socket
    port = free_port()
    cfg = appliance_config(tmp_path, port)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")
    env.pop("WATCHDOG_PID", None)
    log = (tmp_path / "appliance.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.appliance", "--config", str(cfg)],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        messages: list[str] = []
        deadline = time.monotonic() + 120
        while not any(m.startswith("READY=1") for m in messages):
            msg = next_message(sock, deadline)
            assert msg is not None and proc.poll() is None, (
                f"no READY=1: {messages}\n" + (tmp_path / "appliance.log").read_text()[-3000:])
            messages.append(msg)
        pings = 0
        deadline = time.monotonic() + 10
        while pings < 3:
            msg = next_message(sock, deadline)
            assert msg is not None, f"watchdog pings stopped after {pings}"
            pings += msg == "WATCHDOG=1"

        text = ""
        deadline = time.monotonic() + 60
        # The host facts (certificates, disk) are published right after the health items.
        while ('kiosk_health_status{item="printer"}' not in text
               or 'kiosk_certificate_expiry_timestamp_seconds{certificate="ca"}' not in text):
            assert time.monotonic() < deadline, text[-2000:]
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            time.sleep(0.5)
        assert "kiosk_build_info{" in text
        assert 'kiosk_printer_state{state="ready"} 1.0' in text
        assert "kiosk_starts_total 1.0" in text
        assert 'kiosk_certificate_expiry_timestamp_seconds{certificate="client"}' in text
        free = re.search(r"^kiosk_store_free_bytes (\S+)$", text, re.M)
        assert free and float(free[1]) > 0

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        rest = []
        while (msg := next_message(sock, time.monotonic() + 1)) is not None:
            rest.append(msg)
        assert "STOPPING=1" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    kiosk_log = (tmp_path / "state" / "logs" / "kiosk.log").read_text()
    assert "maintenance menu attached" in kiosk_log
