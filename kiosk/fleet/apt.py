"""apt and dpkg, pointed at the fleet repository and nothing else.

Every call gets its own sources list (one line, ``signed-by=`` the fleet key), no
sources.list.d, and its own package lists: the updater can install only what the fleet
key signed, whatever else the system's apt is configured to use.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from kiosk.fleet.config import FleetConfig

PACKAGE = "linkage-kiosk"


class AptError(RuntimeError):
    pass


class FleetApt:
    def __init__(self, cfg: FleetConfig) -> None:
        self.cfg = cfg
        self.dir = cfg.state_dir / "apt"
        self.releases = cfg.state_dir / "releases"
        self._sources = self.dir / "sources.list"

    def _options(self) -> list[str]:
        return ["-o", f"Dir::Etc::SourceList={self._sources}",
                "-o", "Dir::Etc::SourceParts=/nonexistent",
                "-o", f"Dir::State::Lists={self.dir / 'lists'}",
                "-o", "APT::Get::AllowUnauthenticated=false",
                "-o", "Acquire::AllowInsecureRepositories=false",
                "-o", "Acquire::Retries=1", "-o", "Acquire::http::Timeout=20"]

    def prepare(self) -> None:
        # Readable by apt's download sandbox user (_apt); nothing secret in here.
        for d in (self.cfg.state_dir, self.dir, self.dir / "lists",
                  self.dir / "lists" / "partial", self.releases):
            d.mkdir(mode=0o755, exist_ok=True)
        line = (f"deb [signed-by={self.cfg.keyring}] {self.cfg.url} {self.cfg.ring.value} "
                "main\n")
        self._sources.write_text(line, encoding="ascii")

    def _run(self, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
        proc = subprocess.run(list(args), capture_output=True, text=True, env=env, check=False)
        if check and proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            tail = [line for line in lines if line.startswith("E:")] or lines[-3:]
            raise AptError(f"{args[0]} failed: {' | '.join(tail)[:500]}")
        return proc

    def update(self) -> bool:
        """Refresh the fleet index. False when the repository cannot be read or verified."""
        proc = self._run(["apt-get", *self._options(), "-q", "update"], check=False)
        # apt-get update exits 0 on some fetch failures; W:/E: lines say what went wrong.
        bad = proc.returncode != 0 or any(
            line.startswith(("E:", "W:")) and "unsandboxed" not in line
            for line in proc.stderr.splitlines())
        return not bad

    def offered_versions(self) -> list[str]:
        proc = self._run(["apt-cache", *self._options(), "madison", PACKAGE], check=False)
        versions = [part.split("|")[1].strip() for part in proc.stdout.splitlines()
                    if part.count("|") >= 2]
        return sorted(set(versions), key=functools.cmp_to_key(compare_versions))

    def download(self, version: str) -> Path:
        """Fetch a release's .deb into the kept releases (apt verifies it against the
        signed index on the way)."""
        proc = subprocess.run(
            ["apt-get", *self._options(), "-q", "download", f"{PACKAGE}={version}"],
            cwd=self.releases, capture_output=True, text=True, check=False,
            env=dict(os.environ, LC_ALL="C"))
        if proc.returncode != 0:
            errors = [line for line in proc.stderr.splitlines() if line.startswith("E:")]
            reason = " | ".join(errors) or proc.stderr.strip()[-300:]
            raise AptError(f"apt-get download {version} failed: {reason[:500]}")
        return self.kept(version) or _missing(version)

    def kept(self, version: str) -> Path | None:
        for p in self.releases.glob(f"{PACKAGE}_*.deb"):
            if _deb_version(p) == version:
                return p
        return None

    def install_file(self, deb: Path, *, downgrade: bool = False) -> None:
        args = ["apt-get", *self._options(), "-q", "-y",
                "-o", "Dpkg::Options::=--force-confold", "-o", "Dpkg::Options::=--force-confdef"]
        if downgrade:
            args.append("--allow-downgrades")
        self._run([*args, "install", str(deb.resolve())])

    def prune(self, keep: set[str]) -> None:
        for p in self.releases.glob(f"{PACKAGE}_*.deb"):
            if _deb_version(p) not in keep:
                p.unlink()


def _missing(version: str) -> Path:
    raise AptError(f"downloaded {PACKAGE} {version} but cannot find its file")


def _deb_version(path: Path) -> str:
    proc = subprocess.run(["dpkg-deb", "-f", str(path), "Version"], capture_output=True,
                          text=True, check=False)
    return proc.stdout.strip()


def installed_version() -> str | None:
    proc = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", PACKAGE],
                          capture_output=True, text=True, check=False)
    status, _, version = proc.stdout.partition(" ")
    return version.strip() if proc.returncode == 0 and status.startswith("ii") else None


def compare_versions(a: str, b: str) -> int:
    if a == b:
        return 0
    lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b], check=False).returncode
    return -1 if lt == 0 else 1


def write_hold_pin(path: Path, versions: Sequence[str]) -> None:
    """apt preferences that forbid the held releases (priority -1), also for a technician's
    manual apt run."""
    if not versions:
        path.unlink(missing_ok=True)
        return
    text = "".join(f"# Held by the fleet updater: {v} failed its self-check on this kiosk.\n"
                   f"Package: {PACKAGE}\nPin: version {v}\nPin-Priority: -1\n\n"
                   for v in versions)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")
