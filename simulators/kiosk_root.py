"""A Debian 12 root for a simulated kiosk (tests/fleet_updates, `make fleet-update-demo`).

Made once by mmdebstrap from the Debian registry with everything linkage-kiosk depends on
already installed, cached as /var/cache/linkage-kiosk/roots/<hash>.tar (the hash of the
package list), then unpacked per kiosk. apt inside the root is left with no Debian source:
only the fleet repository is configured, as on a kiosk that installs from the fleet.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

CACHE = Path("/var/cache/linkage-kiosk/roots")
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
INCLUDE = ("systemd", "systemd-sysv", "dbus", "adduser", "python3", "libpython3.11", "pcscd",
           "libpcsclite1", "libasound2", "libgl1", "libegl1", "libmtdev1", "libusb-1.0-0",
           "fonts-thai-tlwg", "openssl", "gpgv", "ca-certificates", "sqlite3", "espeak-ng")


def base_tarball(cache: Path = CACHE) -> Path:
    key = hashlib.sha256(f"{SUITE} {MIRROR} {' '.join(INCLUDE)}".encode()).hexdigest()[:16]
    tar = cache / f"{key}.tar"
    if not tar.exists():
        if shutil.which("mmdebstrap") is None:
            raise RuntimeError("mmdebstrap not found (scripts/system-packages-dev.txt)")
        cache.mkdir(parents=True, exist_ok=True)
        partial = tar.with_suffix(".partial.tar")
        subprocess.run(["mmdebstrap", "--quiet", "--variant=apt",
                        f"--include={','.join(INCLUDE)}", SUITE, str(partial), MIRROR],
                       check=True)
        partial.rename(tar)
    return tar


class KioskRoot:
    """An unpacked root with /proc and /dev mounted; ``run`` executes inside (chroot)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mounts: list[Path] = []

    @classmethod
    @contextlib.contextmanager
    def create(cls, path: Path) -> Iterator[KioskRoot]:
        path.mkdir(parents=True)
        subprocess.run(["tar", "-C", str(path), "-xf", str(base_tarball())], check=True)
        (path / "etc/apt/sources.list").unlink(missing_ok=True)
        root = cls(path)
        try:
            for fs, target, opts in (("proc", "proc", ["-t", "proc"]),
                                     ("/dev", "dev", ["--bind"])):
                subprocess.run(["mount", *opts, fs, str(path / target)], check=True)
                root._mounts.append(path / target)
            yield root
        finally:
            for m in reversed(root._mounts):
                subprocess.run(["umount", "-l", str(m)], check=False)
            shutil.rmtree(path, ignore_errors=True)

    def run(self, args: Sequence[str], *, check: bool = True, user: str | None = None,
            **kwargs: object) -> subprocess.CompletedProcess:
        cmd = ["chroot", str(self.path)]
        if user:
            cmd += ["runuser", "-u", user, "--"]
        return subprocess.run([*cmd, *args], check=check, text=True, **kwargs)  # type: ignore[call-overload]

    def popen(self, args: Sequence[str], *, user: str | None = None,
              **kwargs: object) -> subprocess.Popen:
        cmd = ["chroot", str(self.path)]
        if user:
            cmd += ["runuser", "-u", user, "--"]
        return subprocess.Popen([*cmd, *args], text=True, **kwargs)  # type: ignore[call-overload]

    def file(self, inside: str) -> Path:
        return self.path / inside.lstrip("/")
