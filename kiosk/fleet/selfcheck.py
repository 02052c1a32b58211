"""The release's self-check, run by the updater after an install (and by hand:
``python -m kiosk.fleet selfcheck``). Each check answers True/False with a reason.

units        every configured unit is active (systemctl)
outbox       the new release opens the outbox store (``python -m kiosk outbox status``, run
             as the kiosk user): Linkage may be down, the queue must be readable
card_reader  pcscd answers on its socket
printer      the printer device is there (the udev rule's /dev/kiosk-printer)
ui_frames    linkage-kiosk.service has been active for longer than its WatchdogSec: its
             UI main loop pings the watchdog every frame tick, so a frozen UI is killed
A check whose part is absent on this machine (no systemd running) fails: a self-check that
cannot look proves nothing, so such checks are left out in fleet.toml, never passed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.fleet.config import FleetConfig

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
KIOSK_USER = "linkage-kiosk"


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def check_units(cfg: FleetConfig) -> CheckResult:
    if not cfg.units:
        return CheckResult("units", False, "no units configured")
    proc = _run(["systemctl", "is-active", *cfg.units])
    states = proc.stdout.split()
    bad = [f"{u}={s}" for u, s in zip(cfg.units, states, strict=False) if s != "active"]
    if proc.returncode != 0 and not bad:
        bad = [proc.stderr.strip()[:200] or "systemctl failed"]
    return CheckResult("units", not bad, ", ".join(bad) or "all active")


def _as_kiosk_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", KIOSK_USER, "--", *args]
    return args


def check_outbox(cfg: FleetConfig) -> CheckResult:
    proc = _run(_as_kiosk_user([sys.executable, "-m", "kiosk", "--config",
                                str(cfg.kiosk_config), "outbox", "status", "--json"]))
    if proc.returncode == 0:
        return CheckResult("outbox", True, "store opens")
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return CheckResult("outbox", False, f"exit {proc.returncode}: {tail[:200]}")


def check_card_reader(cfg: FleetConfig) -> CheckResult:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(PCSCD_SOCKET))
    except OSError as exc:
        return CheckResult("card_reader", False, f"pcscd not answering: {exc}")
    return CheckResult("card_reader", True, "pcscd answers")


def check_printer(cfg: FleetConfig) -> CheckResult:
    ok = cfg.printer_device.exists()
    return CheckResult("printer", ok, f"{cfg.printer_device} {'present' if ok else 'missing'}")


def check_ui_frames(cfg: FleetConfig) -> CheckResult:
    proc = _run(["systemctl", "show", "linkage-kiosk.service", "-p", "ActiveState",
                 "-p", "ActiveEnterTimestampMonotonic", "-p", "WatchdogUSec"])
    props = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    if props.get("ActiveState") != "active":
        return CheckResult("ui_frames", False, f"UI unit {props.get('ActiveState', '?')}")
    since_us = int(props.get("ActiveEnterTimestampMonotonic", "0") or 0)
    watchdog_us = _usec(props.get("WatchdogUSec", "0"))
    up_us = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6 - since_us
    if watchdog_us <= 0:
        return CheckResult("ui_frames", False, "UI unit has no watchdog")
    if up_us < 2 * watchdog_us:
        return CheckResult("ui_frames", False, "UI not yet up for two watchdog periods")
    return CheckResult("ui_frames", True, "UI watchdog alive")


def _usec(text: str) -> float:
    text = text.strip()
    for suffix, factor in (("min", 60e6), ("ms", 1e3), ("us", 1.0), ("s", 1e6)):
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "").isdigit():
            return float(text[: -len(suffix)]) * factor
    return float(text) if text.isdigit() else 0.0


CHECKS: dict[str, Callable[[FleetConfig], CheckResult]] = {
    "units": check_units, "outbox": check_outbox, "card_reader": check_card_reader,
    "printer": check_printer, "ui_frames": check_ui_frames,
}


def run_selfcheck(cfg: FleetConfig) -> list[CheckResult]:
    return [CHECKS[name](cfg) for name in cfg.checks]
