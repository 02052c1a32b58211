"""systemd as PID 1 of a private container, for the appliance tests.

`Machine` boots the cached Debian 12 root (``scripts/make-container-root.sh``, keyed by the
hash of ``root-packages.txt``) with ``systemd-nspawn --boot --private-network`` (loopback
only) on an overlay: the cached root is the read-only lower layer, each test run writes
to its own upper folder. Commands run inside through ``nsenter`` into the container's
namespaces. The kiosk's Python dependencies come from a wheelhouse built once on the host
(`wheelhouse`, keyed by pyproject.toml), since the container has no network.

`unavailable()` says why this machine cannot do it (not root, no nspawn, no mmdebstrap, a
root or wheelhouse that cannot be built): the tests skip with that reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("KIOSK_CONTAINER_CACHE", "/var/cache/linkage-kiosk"))
MAKE_ROOT = REPO / "scripts" / "make-container-root.sh"
UNITS = ("linkage-reference-server.service", "linkage-kiosk-outbox.service",
         "linkage-kiosk.service")
DISPLAY_UNIT = """[Unit]
Description=Test display (Xvfb :0) for the kiosk UI (container test only)
Before=linkage-kiosk.service
[Service]
ExecStart=/usr/bin/Xvfb :0 -screen 0 1280x800x24 -nolisten tcp
[Install]
WantedBy=multi-user.target
"""
BOOT_LIMIT_S = 60.0
"""Installed and enabled, every unit is active this soon after the container boots."""
_lock = threading.Lock()


def unavailable() -> str | None:
    if os.geteuid() != 0:
        return "systemd-nspawn needs root"
    for tool in ("systemd-nspawn", "nsenter", "mmdebstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install systemd-container mmdebstrap)"
    return None


def cannot_boot(root: Path) -> str | None:
    """Why nspawn cannot start a container from ``root`` on this machine (root, but in a
    container without the privileges nspawn needs), or None: one ``/bin/true`` inside,
    the cached root read-only."""
    done = subprocess.run(["systemd-nspawn", "--quiet", "--register=no", "--keep-unit",
                           "--private-network", "--read-only", "-D", str(root), "/bin/true"],
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        return (f"systemd-nspawn cannot run a container here (exit {done.returncode}): "
                f"{done.stderr.strip()[-300:]}")
    return None


def build_root() -> Path:
    """The cached root (built on first use: ~40 s to 2 min from the Debian mirror)."""
    with _lock:
        done = subprocess.run(["bash", str(MAKE_ROOT)], capture_output=True, text=True,
                              timeout=1800, env={**os.environ, "ROOTS_DIR": str(CACHE / "roots")},
                              check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cannot build the container root: {done.stderr[-2000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def wait_until(check: object, timeout_s: float, what: str, every_s: float = 0.5) -> float:
    """Poll ``check()`` until true; the time it took. Fails loudly at the deadline."""
    start = time.monotonic()
    pause = threading.Event()
    while not check():  # type: ignore[operator]
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"{what}: not within {timeout_s:g} s")
        pause.wait(every_s)
    return time.monotonic() - start


def skip(reason: str) -> NoReturn:
    """Skip the container tests, with the reason on the terminal too (not only in -rs)."""
    print(f"\ncontainer tests skipped: {reason}")
    pytest.skip(reason)


def skip_if_unavailable() -> None:
    reason = unavailable()
    if reason:
        skip(reason)


def bootable_root() -> Path:
    """The cached root, once nspawn is known to start a container from it (else skip)."""
    try:
        root = build_root()
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        skip(str(exc))
    reason = cannot_boot(root)
    if reason:
        skip(reason)
    return root


def wheelhouse() -> Path:
    """Wheels of the kiosk's dependencies (and pip/setuptools), built once per pyproject."""
    key = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()[:16]
    target = CACHE / "wheels" / key
    if (target / ".complete").exists():
        return target
    tmp = CACHE / "wheels" / f".build-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip"]
    for args in (["wheel", "--quiet", "--wheel-dir", str(tmp), str(REPO)],
                 ["download", "--quiet", "--dest", str(tmp), "setuptools>=77", "wheel", "pip"]):
        done = subprocess.run([*pip, *args], capture_output=True, text=True, timeout=1800,
                              check=False)
        if done.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RuntimeError(f"cannot build the wheelhouse: {done.stderr[-2000:]}")
    for own in tmp.glob("linkage_kiosk-*.whl"):
        own.unlink()  # the kiosk itself is installed from the source, as the docs say
    (tmp / ".complete").touch()
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def copy_source(dest: Path) -> None:
    """The working tree (tracked and new files, as git sees them) into ``dest``."""
    files = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard",
                            "-z"], capture_output=True, check=True).stdout.split(b"\0")
    dest.mkdir(parents=True, exist_ok=True)
    for name in filter(None, files):
        src = REPO / os.fsdecode(name)
        if src.is_file():
            target = dest / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


class Machine:
    def __init__(self, root: Path, upper: Path, wheels: Path, name: str) -> None:
        self.root = root
        self.upper = upper
        self.wheels = wheels
        self.name = name
        self.proc: subprocess.Popen[bytes] | None = None
        self.leader: int | None = None
        self.booted_at: float | None = None
        self.log = upper.parent / f"{name}-console.log"

    def boot(self, timeout_s: float = 120.0) -> float:
        """Start the container; returns when nsenter reaches its systemd (boot time)."""
        self.upper.mkdir(parents=True, exist_ok=True)
        console = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.booted_at = time.monotonic()
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--boot", "--register=no", "--keep-unit",
             "--private-network", f"--machine={self.name}", "-D", str(self.root),
             f"--overlay={self.root}:{self.upper}:/", f"--bind-ro={self.wheels}:/wheels"],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT)
        console.close()
        deadline = time.monotonic() + timeout_s
        while self.leader is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nspawn exited {self.proc.returncode}: "
                                   f"{self.log.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError("the container's systemd did not appear")
            self.leader = _child_named(self.proc.pid, "systemd")
            if self.leader is None:
                threading.Event().wait(0.1)
        return time.monotonic() - self.booted_at

    def run(self, *cmd: str, timeout: float = 120.0, check: bool = True,
            user: str | None = None) -> subprocess.CompletedProcess[str]:
        assert self.leader is not None, "not booted"
        argv: Sequence[str] = cmd if user is None else ("runuser", "-u", user, "--", *cmd)
        done = subprocess.run(["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-n", "-p",
                               "--", *argv], capture_output=True, text=True, timeout=timeout,
                              check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} -> {done.returncode}\n{done.stdout}\n"
                                 f"{done.stderr}")
        return done

    def active(self, unit: str) -> bool:
        return self.run("systemctl", "is-active", "--quiet", unit, check=False).returncode == 0

    def main_pid(self, unit: str) -> int:
        out = self.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout
        return int(out.strip() or 0)

    def show(self, unit: str, prop: str) -> str:
        return self.run("systemctl", "show", "-p", prop, "--value", unit).stdout.strip()

    def write(self, path: str, text: str, mode: int = 0o644) -> None:
        """A file inside the container (written to the overlay's upper layer)."""
        target = self.upper / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    def poweroff(self, timeout_s: float = 90.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.run("systemctl", "poweroff", check=False, timeout=30)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(30)
        self.leader = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.leader = None


def _child_named(parent: int, comm: str) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == parent and name == comm:
            return int(entry.name)
    return None


def install_demo(machine: Machine) -> subprocess.CompletedProcess[str]:
    """``scripts/install.sh --demo`` inside, as docs/appliance.md says, from the wheelhouse;
    plus the test's X display for the UI (``/etc/linkage-kiosk/environment``)."""
    copy_source(machine.upper / "src")
    done = machine.run("env", "PIP_NO_INDEX=1", "PIP_FIND_LINKS=/wheels", "bash",
                       "/src/scripts/install.sh", "--demo", timeout=900)
    machine.write("/etc/systemd/system/kiosk-test-display.service", DISPLAY_UNIT)
    machine.write("/etc/linkage-kiosk/environment", "DISPLAY=:0\nSDL_VIDEODRIVER=x11\n")
    machine.run("systemctl", "daemon-reload")
    machine.run("systemctl", "enable", "kiosk-test-display.service")
    return done
