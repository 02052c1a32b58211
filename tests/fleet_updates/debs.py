"""The real .deb of this tree, built once by packaging/build-deb.sh and cached per content of
the tree in /var/cache/linkage-kiosk/debs/test/<hash>/ (shared by the chroot tests in
tests/fleet_updates/ and the systemd container test in tests/appliance/)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from simulators.fleet_update_demo import tree_hash

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path("/var/cache/linkage-kiosk/debs/test")
VERSION = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)[1]


def built_deb() -> Path:
    """linkage-kiosk_<VERSION>_<arch>.deb of the working tree (built on first use: minutes)."""
    out = CACHE / tree_hash()
    arch = subprocess.check_output(["dpkg", "--print-architecture"], text=True).strip()
    built = out / f"linkage-kiosk_{VERSION}_{arch}.deb"
    if not built.exists():
        subprocess.run([str(ROOT / "packaging/build-deb.sh"), "--out", str(out)], check=True,
                       capture_output=True)
    return built


def build_version(version: str, fault: bool = False) -> Path:
    """Another version from the same tree (``--fault selfcheck``: a release that cannot start)."""
    out = CACHE / tree_hash() / ("fault" if fault else "ok")
    arch = subprocess.check_output(["dpkg", "--print-architecture"], text=True).strip()
    built = out / f"linkage-kiosk_{version}_{arch}.deb"
    if not built.exists():
        args = [str(ROOT / "packaging/build-deb.sh"), "--out", str(out), "--version", version]
        subprocess.run([*args, *(["--fault", "selfcheck"] if fault else [])], check=True,
                       capture_output=True)
    return built
