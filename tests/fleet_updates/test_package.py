"""The real .deb: built by packaging/build-deb.sh (dh-virtualenv, hashed lock), then
installed with real apt into a Debian 12 root (mmdebstrap, cached) — user, directories and
modes as scripts/install.sh makes them, conffiles kept across a reinstall, the updater and
the busy check runnable from the installed venv.

The build takes minutes: it is cached per content of the tree in
/var/cache/linkage-kiosk/debs/test/<hash>/. lintian is run by `make lint-deb` (minutes on a
280 MB venv), its output recorded in docs/fleet-updates.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.kiosk_root import KioskRoot
from tests.fleet_updates.conftest import need
from tests.fleet_updates.debs import VERSION, built_deb


def _root_or_skip() -> None:
    if os.geteuid() != 0:
        pytest.skip("installing into a Debian root (chroot, mount) needs root")
    need("dpkg-buildpackage", "dh_virtualenv", "mmdebstrap", "chroot")


@pytest.fixture(scope="module")
def deb() -> Path:
    _root_or_skip()
    return built_deb()


@pytest.fixture(scope="module")
def kiosk(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskRoot]:
    with KioskRoot.create(tmp_path_factory.mktemp("roots") / "kiosk") as root:
        shutil.copy(deb, root.file("/tmp") / deb.name)
        root.run(["apt-get", "-q", "-y", "install", f"/tmp/{deb.name}"], capture_output=True)
        yield root


def field(deb: Path, name: str) -> str:
    return subprocess.check_output(["dpkg-deb", "-f", str(deb), name], text=True).strip()


def test_version_comes_from_pyproject(deb: Path, kiosk: KioskRoot) -> None:
    assert field(deb, "Version") == VERSION
    shown = kiosk.run(["/opt/linkage-kiosk/venv/bin/python", "-c",
                       "from kiosk.appliance.version import software_version as v; print(v())"],
                      capture_output=True).stdout.strip()
    assert shown == VERSION  # what kiosk_build_info shows


def test_conffiles_and_units(deb: Path) -> None:
    control = subprocess.check_output(["dpkg-deb", "--ctrl-tarfile", str(deb)])
    conffiles = subprocess.run(["tar", "-xO", "./conffiles"], input=control,
                               capture_output=True, check=True).stdout.decode().split()
    assert sorted(conffiles) == [f"/etc/linkage-kiosk/{n}.toml" for n in
                                 ("fleet", "kiosk", "printer-profiles", "services")]
    listing = subprocess.check_output(["dpkg-deb", "-c", str(deb)], text=True)
    for unit in ("linkage-kiosk.service", "linkage-kiosk-outbox.service",
                 "linkage-kiosk-update.service", "linkage-kiosk-update.timer"):
        assert f"./lib/systemd/system/{unit}" in listing
    assert "./lib/udev/rules.d/99-linkage-kiosk-printer.rules" in listing
    assert "@PREFIX@" not in subprocess.run(
        ["sh", "-c", f"dpkg-deb --fsys-tarfile {deb} | tar -xO ./lib/systemd/system/"
                     "linkage-kiosk.service"], capture_output=True, text=True).stdout


def _stat(root: KioskRoot, path: str) -> str:
    return root.run(["stat", "-c", "%a %U %G", path], capture_output=True).stdout.strip()


def test_user_directories_and_modes_as_install_sh(kiosk: KioskRoot) -> None:
    assert kiosk.run(["getent", "passwd", "linkage-kiosk"], capture_output=True).stdout
    assert _stat(kiosk, "/var/lib/linkage-kiosk") == "700 linkage-kiosk linkage-kiosk"
    assert _stat(kiosk, "/etc/linkage-kiosk/pki") == "700 linkage-kiosk linkage-kiosk"
    assert _stat(kiosk, "/etc/linkage-kiosk/kiosk.toml") == "640 root linkage-kiosk"
    assert _stat(kiosk, "/etc/linkage-kiosk/services.toml") == "644 root linkage-kiosk"
    for group in ("video", "render", "input", "audio", "dialout", "lp"):
        assert kiosk.run(["getent", "group", group], capture_output=True).stdout, group


def test_a_technicians_conffile_change_survives_a_reinstall(deb: Path,
                                                           kiosk: KioskRoot) -> None:
    fleet = kiosk.file("/etc/linkage-kiosk/fleet.toml")
    fleet.write_text(fleet.read_text().replace('ring = "stable"', 'ring = "canary"'))
    kiosk.run(["apt-get", "-q", "-y", "-o", "Dpkg::Options::=--force-confold",
               "install", "--reinstall", f"/tmp/{deb.name}"], capture_output=True)
    assert 'ring = "canary"' in fleet.read_text()


def test_installed_updater_and_busy_check_run(kiosk: KioskRoot) -> None:
    status = kiosk.run(["/opt/linkage-kiosk/venv/bin/python", "-m", "kiosk.fleet", "status"],
                       capture_output=True)
    assert '"rollbacks": 0' in status.stdout
    busy = kiosk.run(["/opt/linkage-kiosk/venv/bin/python", "-m", "kiosk", "--config",
                      "/etc/linkage-kiosk/kiosk.toml", "busy"], user="linkage-kiosk",
                     capture_output=True, check=False)
    assert (busy.returncode, busy.stdout.strip()) == (0, "idle"), busy.stderr
