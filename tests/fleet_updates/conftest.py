"""Fixtures for the fleet-update tests: a real aptly repository signed with a real GPG key,
served over HTTP on loopback (packaging/fleet-repo.sh), and fleet.toml files pointing at it."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk.fleet.config import FleetConfig, load_fleet_config

ROOT = Path(__file__).resolve().parents[2]
FLEET_REPO = ROOT / "packaging" / "fleet-repo.sh"


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-packages-dev.txt)")


def dummy_deb(out: Path, version: str, name: str = "linkage-kiosk") -> Path:
    """A small real .deb (dpkg-deb), for what the repository and apt do with any package."""
    tree = out / f"tree-{version}"
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: Fleet test <fleet@linkage.invalid>\nDescription: test package\n")
    (tree / "usr" / "share" / "doc" / name).mkdir(parents=True)
    (tree / "usr" / "share" / "doc" / name / "VERSION").write_text(version + "\n")
    deb = out / f"{name}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-b", str(tree), str(deb)], check=True,
                   capture_output=True)
    return deb


def fleet_repo(directory: Path, *args: str) -> str:
    proc = subprocess.run([str(FLEET_REPO), str(directory), *args], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder apt's download sandbox user (_apt) can reach (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="fleet-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def serve() -> Iterator:
    servers: list[ThreadingHTTPServer] = []

    def start(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def write_fleet_toml(path: Path, *, url: str, ring: str, keyring: Path, state_dir: Path,
                     extra: str = "") -> FleetConfig:
    path.write_text(
        f'[repository]\nurl = "{url}"\nring = "{ring}"\nkeyring = "{keyring}"\n'
        f'[window]\nstart = "00:00"\nend = "23:59"\n'
        f'[selfcheck]\ndeadline_s = 10\nunits = []\nchecks = ["outbox"]\n'
        f'[paths]\nstate_dir = "{state_dir}"\n{extra}')
    return load_fleet_config(path)
