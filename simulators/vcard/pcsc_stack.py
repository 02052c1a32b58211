"""Start a private pcscd with vpcd readers for tests, the benchmark and the demo.

pcsc-lite 1.9.9 always listens on /run/pcscd/pcscd.comm, so only one pcscd can run on the
machine. :class:`PcscStack` therefore

1. takes an exclusive ``flock`` on /tmp/linkage-kiosk-pcscd.lock (held for its lifetime, so
   parallel test runs serialise instead of fighting),
2. refuses to run next to a pcscd it did not start (the system service, another tool) with a
   clear message - it never kills anyone else's process,
3. writes its own reader.conf.d folder with one vpcd entry on a free TCP port (vpcd opens
   two slots: ``port`` and ``port + 1``, i.e. two readers),
4. runs ``pcscd --foreground -c DIR`` and waits until the readers are listed.

vpcd listens on all interfaces (checked with ``ss -ltnp``), so pcscd runs in a network
namespace of its own with only a loopback interface (``unshare --net``): nothing on any
network can reach vpcd, and ``ss -ltn`` on the machine shows no vpcd port. Its clients reach
it through the Unix socket as before; virtual cards connect inside the namespace
(:mod:`simulators.vcard.netns`). vpcd's client mode would avoid the listener, but Debian 12's
vsmartcard-vpcd 3.3 aborts pcscd on the first card removal in that mode.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

LOCK_PATH = Path("/tmp/linkage-kiosk-pcscd.lock")
RUN_DIR = Path("/run/pcscd")
VPCD_LIB = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
FRIENDLY_NAME = "Linkage vpcd"
SLOTS_PER_ENTRY = 2


class PcscStackError(RuntimeError):
    pass


@dataclass(frozen=True)
class VpcdSlot:
    reader: str
    """The PC/SC reader name, e.g. ``Linkage vpcd 00 00``."""
    port: int
    """The TCP port the virtual card connects to."""


def _pid_alive(pid: int) -> bool:
    """True for a running process; zombies (exited, unreaped) do not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def running_pcscd() -> list[int]:
    """PIDs of live pcscd processes on this machine."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm == "pcscd" and _pid_alive(int(entry.name)):
            pids.append(int(entry.name))
    return pids


def reserve_port_pair() -> tuple[int, list[socket.socket]]:
    """A port P with P and P+1 bound (not listening) in this machine's namespace.

    vpcd takes both inside pcscd's own namespace. The caller keeps the two sockets open
    for the stack's lifetime, so no other program here can listen on those numbers and
    ``ss -ltn`` (or /proc/net/tcp) stays a fair check that vpcd is not reachable.
    """
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("0.0.0.0", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        held = [socket.socket(), socket.socket()]
        try:
            held[0].bind(("0.0.0.0", port))
            held[1].bind(("0.0.0.0", port + 1))
        except OSError:
            for sock in held:
                sock.close()
            continue
        return port, held
    raise PcscStackError("no free pair of TCP ports for vpcd")


class PcscStack:
    """A private pcscd with ``entries`` vpcd entries (two reader slots each).

    Use as a context manager. ``slots`` lists the readers with their vpcd ports.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        entries: int = 1,
        debug_apdus: bool = False,
        lock_timeout_s: float = 900.0,
        start_timeout_s: float = 15.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.entries = entries
        self.debug_apdus = debug_apdus
        self.lock_timeout_s = lock_timeout_s
        self.start_timeout_s = start_timeout_s
        self.slots: list[VpcdSlot] = []
        self.log_path = self.workdir / "pcscd.log"
        self._lock_fd: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._held_ports: list[socket.socket] = []

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> PcscStack:
        if shutil.which("pcscd") is None or not VPCD_LIB.exists():
            raise PcscStackError(
                "pcscd or the vpcd driver is missing: apt-get install pcscd vsmartcard-vpcd "
                "(see scripts/system-packages-dev.txt)"
            )
        self._take_lock()
        try:
            others = running_pcscd()
            if others:
                raise PcscStackError(
                    f"another pcscd is running (pid {', '.join(map(str, others))}); only one "
                    "can run per machine. Stop it first (e.g. `service pcscd stop` or kill "
                    "that pid) - the test stack does not kill processes it did not start."
                )
            self._write_config()
            self._launch()
            self._wait_for_readers()
        except BaseException:
            self.stop()
            raise
        return self

    def restart(self) -> float:
        """Stop pcscd and start it again (the lock and the ports stay ours): what a kiosk
        sees when the service restarts. Virtual cards lose their connection and must be
        inserted again, as vpcd drops them. Returns the monotonic time at which pcscd
        listed the readers again.

        (A replug's renumbering cannot be produced with vpcd: pcsc-lite 1.9.9 named two
        vpcd entries of one name both "... 00 00" here, in either order and with a
        CHANNELID in its hotplug range. Tests configure another index instead.)"""
        self._terminate()
        self._write_config()
        self._launch()
        self._wait_for_readers()
        return time.monotonic()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def stop(self) -> None:
        self._terminate()
        for sock in self._held_ports:
            sock.close()
        self._held_ports = []
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> PcscStack:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def slot(self, index: int = 0) -> VpcdSlot:
        return self.slots[index]

    def log_tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    # --- steps -------------------------------------------------------------------------
    def _take_lock(self) -> None:
        fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.lock_timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise PcscStackError(
                        f"{LOCK_PATH} stayed locked for {self.lock_timeout_s:.0f}s "
                        "(another test run holds pcscd)"
                    ) from None
                time.sleep(0.2)
        self._lock_fd = fd

    def _write_config(self) -> None:
        conf = self.workdir / "reader.conf.d"
        conf.mkdir(parents=True, exist_ok=True)
        for old in conf.glob("*"):
            old.unlink()
        ports = [slot.port for slot in self.slots[::SLOTS_PER_ENTRY]]
        self.slots = []
        for entry in range(self.entries):
            if entry < len(ports):
                port = ports[entry]  # a restart keeps each reader's port
            else:
                port, held = reserve_port_pair()
                self._held_ports.extend(held)
            # Each entry a distinct friendly name: pcscd names readers "<name> NN SS".
            name = f"{FRIENDLY_NAME} {entry}"
            (conf / f"vpcd-{entry}").write_text(
                f'FRIENDLYNAME "{name}"\n'
                f"DEVICENAME   /dev/null:{port}\n"
                f"LIBPATH      {VPCD_LIB}\n"
                f"CHANNELID    {port}\n"
            )
            for slot in range(SLOTS_PER_ENTRY):
                self.slots.append(VpcdSlot(f"{name} {entry:02d} {slot:02d}", port + slot))
        self.conf_dir = conf

    def _launch(self) -> None:
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        pcscd = ["pcscd", "--foreground", "-c", str(self.conf_dir)]
        if self.debug_apdus:
            pcscd.append("-a")
        # pcscd in a network namespace of its own with only loopback: vpcd's listener (it
        # binds 0.0.0.0) is unreachable from any network; see simulators/vcard/netns.py.
        cmd = ["unshare", "--net", "--", "sh", "-c",
               'ip link set lo up && exec "$@"', "pcscd-netns", *pcscd]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def _wait_for_readers(self) -> None:
        from smartcard import scard  # pyscard: imported here so the module loads without it

        deadline = time.monotonic() + self.start_timeout_s
        seen: list[str] = []
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise PcscStackError(
                    f"pcscd exited with {self._proc.returncode}:\n{self.log_tail()}"
                )
            hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hr == scard.SCARD_S_SUCCESS:
                try:
                    hr, readers = scard.SCardListReaders(ctx, [])
                    seen = list(readers) if hr == scard.SCARD_S_SUCCESS else []
                finally:
                    scard.SCardReleaseContext(ctx)
                with contextlib.suppress(PcscStackError):
                    self._fix_names(seen)
                    return
            time.sleep(0.05)
        raise PcscStackError(
            f"pcscd did not list the vpcd readers within {self.start_timeout_s}s "
            f"(saw {seen}):\n{self.log_tail()}"
        )

    def _fix_names(self, seen: list[str]) -> None:
        """pcscd numbers readers itself; match ours by friendly name and slot suffix."""
        fixed = []
        for slot in self.slots:
            base = slot.reader.rsplit(" ", 2)[0]
            suffix = slot.reader.rsplit(" ", 1)[1]
            match = [r for r in seen if r.startswith(base + " ") and r.endswith(" " + suffix)]
            if not match:
                raise PcscStackError(f"reader {slot.reader!r} not among {seen}")
            fixed.append(VpcdSlot(match[0], slot.port))
        self.slots = fixed
