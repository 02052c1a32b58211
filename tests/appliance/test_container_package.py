"""The Debian package under a real systemd: the .deb this tree builds
(tests/fleet_updates/debs.py, the cache test_package.py uses) installed with apt inside a
private container (systemd-nspawn --boot --private-network on an overlay of the cached
Debian 12 root, tests/appliance/container/nspawn.py), made a demo kiosk as
docs/fleet-updates.md ("A demo kiosk from the package") says, then switched on again:

- every kiosk unit is active within 60 s of that boot, none crash-looped;
- the updater's self-check (`python -m kiosk.fleet selfcheck`) passes with systemd running
  the units: units active, outbox readable, pcscd answering, the UI drawing frames (its
  watchdog fed for two periods);
- the outbox unit stopped on purpose makes the same self-check fail, naming the unit.

The printer check is left out: the demo prints to a virtual printer, the container has no
/dev/kiosk-printer. Skipped, with the reason, where nspawn or the package build cannot run.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulators.fleet_update_demo import kiosk_config
from tests.appliance.container import nspawn

pytestmark = [pytest.mark.container, pytest.mark.slow]

PY = "/opt/linkage-kiosk/venv/bin/python"
FLEET = "/etc/linkage-kiosk/fleet.toml"
UNITS = nspawn.UNITS
CHECKS = ("units", "outbox", "card_reader", "ui_frames")
# What an image builder does: no service starts while the package is unpacked (the kiosk's
# configuration comes after it); the boot that follows starts them.
POLICY_RC_D = "#!/bin/sh\nexit 101\n"
REPO_PORT = 8080
DEADLINE_S = 30
BAD = "0.1.1"
REPO_UNIT = f"""[Unit]
Description=The fleet's signed apt repository on loopback (container test only)
[Service]
ExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory /srv/fleet {REPO_PORT}
[Install]
WantedBy=multi-user.target
"""


def fleet_toml() -> str:
    units = ", ".join(f'"{u}"' for u in UNITS)
    checks = ", ".join(f'"{c}"' for c in CHECKS)
    return (f'[repository]\nurl = "http://127.0.0.1:{REPO_PORT}"\nring = "canary"\n'
            'keyring = "/usr/share/keyrings/linkage-kiosk-fleet.gpg"\n'
            '[window]\nstart = "00:00"\nend = "23:59"\n'
            f'[selfcheck]\ndeadline_s = {DEADLINE_S}\nunits = [{units}]\nchecks = [{checks}]\n')


def offline(machine: nspawn.Machine, script: str) -> None:
    """``sh -c script`` in the container's root with nothing booted (nspawn, no --boot)."""
    done = subprocess.run(
        ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
         f"--machine={machine.name}", "-D", str(machine.root),
         f"--overlay={machine.root}:{machine.upper}:/", "sh", "-c", script],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{script} -> {done.returncode}\n{done.stdout[-3000:]}"


@dataclass
class Kiosk:
    machine: nspawn.Machine
    install_s: float
    up_after_boot_s: float
    restarts_at_boot: dict[str, str]

    def selfcheck(self) -> subprocess.CompletedProcess[str]:
        return self.machine.run(PY, "-m", "kiosk.fleet", "--config", FLEET, "selfcheck",
                                check=False, timeout=120)


def _deb_or_skip() -> Path:
    missing = [t for t in ("dpkg-buildpackage", "dh_virtualenv") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-packages-dev.txt)")
    from tests.fleet_updates.debs import built_deb
    return built_deb()


@pytest.fixture(scope="module")
def kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kiosk]:
    nspawn.skip_if_unavailable()
    deb = _deb_or_skip()
    from tests.fleet_updates.conftest import fleet_repo
    from tests.fleet_updates.debs import build_version
    repo = tmp_path_factory.mktemp("fleet-repo")
    fleet_repo(repo, "key")
    fleet_repo(repo, "publish", str(deb), str(build_version(BAD, fault=True)))
    root = nspawn.bootable_root()
    work = tmp_path_factory.mktemp("nspawn-deb")
    # No wheelhouse: the package carries its own venv (an empty folder for the bind mount).
    machine = nspawn.Machine(root, work / "upper", work / "no-wheels",
                             f"kiosk-deb-{int(time.time())}")
    machine.wheels.mkdir()
    try:
        started = time.monotonic()
        # Before the first boot, as an image is made: apt in the container's root (nspawn
        # without --boot; no network: every dependency must be in root-packages.txt), no
        # service started meanwhile (policy-rc.d). The files go in while nothing runs on the
        # overlay. (/var/tmp: nspawn gives /tmp its own tmpfs.)
        machine.write("/usr/sbin/policy-rc.d", POLICY_RC_D, 0o755)
        (machine.upper / "var/tmp").mkdir(parents=True, exist_ok=True)
        shutil.copy(deb, machine.upper / "var/tmp" / deb.name)
        offline(machine, f"apt-get -q -y install /var/tmp/{deb.name} && "
                         f"rm /usr/sbin/policy-rc.d /var/tmp/{deb.name}")
        install_s = time.monotonic() - started
        # The operator's demo steps (docs/fleet-updates.md): the demo config, the reference
        # server unit the package ships disabled, the display, the self-check's units.
        machine.write("/etc/linkage-kiosk/kiosk.toml", kiosk_config(8443), 0o640)
        machine.write(FLEET, fleet_toml())
        # The fleet's signed repository, served inside (the container has loopback only).
        shutil.copytree(repo / "aptly" / "public", machine.upper / "srv/fleet")
        machine.write("/etc/systemd/system/fleet-repo.service", REPO_UNIT)
        (machine.upper / "usr/share/keyrings").mkdir(parents=True, exist_ok=True)
        shutil.copy(repo / "fleet-keyring.gpg",
                    machine.upper / "usr/share/keyrings/linkage-kiosk-fleet.gpg")
        machine.write("/etc/systemd/system/kiosk-test-display.service", nspawn.DISPLAY_UNIT)
        machine.write("/etc/linkage-kiosk/environment", "DISPLAY=:0\nSDL_VIDEODRIVER=x11\n")
        offline(machine, "chgrp linkage-kiosk /etc/linkage-kiosk/kiosk.toml && systemctl "
                         "enable linkage-reference-server.service kiosk-test-display.service "
                         "fleet-repo.service && runuser -u linkage-kiosk -- "
                         f"{PY} -m kiosk --config /etc/linkage-kiosk/kiosk.toml prompts build")
        machine.boot()  # the boot that counts: installed and configured, switched on
        assert machine.booted_at is not None
        nspawn.wait_until(lambda: all(machine.active(u) for u in UNITS), 120,
                   "every unit active after boot")
        up_after_boot = time.monotonic() - machine.booted_at
        restarts = {u: machine.show(u, "NRestarts") for u in UNITS}
        print(f"\npackage in container: apt install {install_s:.1f} s; every unit active "
              f"{up_after_boot:.1f} s after boot")
        yield Kiosk(machine, install_s, up_after_boot, restarts)
    finally:
        machine.poweroff()
        machine.kill()


def test_package_units_come_up_within_60s_and_the_selfcheck_passes_then_fails_when_one_stops(
        kiosk: Kiosk) -> None:
    m = kiosk.machine
    assert kiosk.up_after_boot_s < nspawn.BOOT_LIMIT_S
    for unit in UNITS:
        assert m.show(unit, "UnitFileState") == "enabled", unit
        assert kiosk.restarts_at_boot[unit] == "0", f"{unit} crash-looped at boot"
    assert m.show("linkage-kiosk-update.timer", "ActiveState") == "active"
    said: list[str] = []

    def passes() -> bool:
        done = kiosk.selfcheck()
        said[:] = [done.stdout]
        return done.returncode == 0

    took = nspawn.wait_until(passes, 120, f"self-check passing ({said})", every_s=5.0)
    assert m.booted_at is not None
    print(f"\nself-check passed {time.monotonic() - m.booted_at:.1f} s after boot "
          f"({took:.1f} s after the units were up):\n{said[0]}")
    lines = said[0].splitlines()
    assert sorted(line.split(":")[0] for line in lines) == sorted(f"ok {c}" for c in CHECKS)

    m.run("systemctl", "stop", "linkage-kiosk-outbox.service")
    failed = kiosk.selfcheck()
    print(f"outbox unit stopped:\n{failed.stdout}")
    assert failed.returncode == 1
    assert "FAIL units: linkage-kiosk-outbox.service=inactive" in failed.stdout
    m.run("systemctl", "start", "linkage-kiosk-outbox.service")
    nspawn.wait_until(passes, 120, f"self-check passing again ({said})", every_s=5.0)


def test_a_release_failing_its_selfcheck_under_systemd_is_rolled_back(kiosk: Kiosk) -> None:
    from tests.fleet_updates.debs import VERSION
    m = kiosk.machine
    started = time.monotonic()
    run = m.run(PY, "-m", "kiosk.fleet", "--config", FLEET, "update", check=False,
                timeout=600)
    took = time.monotonic() - started
    print(f"\nupdate {VERSION} -> {BAD} (fails to start) under systemd: exit "
          f"{run.returncode} after {took:.1f} s\n{run.stdout[-2500:]}")
    assert run.returncode == 1, run.stderr[-2000:]
    assert f"installing {BAD} over {VERSION}" in run.stdout
    assert "linkage-kiosk.service=" in run.stdout  # the units check saw the UI down
    assert m.run("dpkg-query", "-W", "-f=${Version}", "linkage-kiosk").stdout == VERSION
    status = m.run(PY, "-m", "kiosk.fleet", "--config", FLEET, "status").stdout
    assert '"rollbacks": 1' in status and BAD in status
    # Every unit serves again after the rollback: the previous release's postinst restarts
    # the enabled units, the demo's reference server too (debian/rules: not --no-start,
    # which stopped it at the upgrade and never started it again).
    back = nspawn.wait_until(lambda: all(m.active(u) for u in UNITS), 60,
                      "every unit active after the rollback")
    print(f"every unit active {back:.1f} s after the rollback ended "
          f"({time.monotonic() - started:.1f} s after the update began)")
    nspawn.wait_until(lambda: kiosk.selfcheck().returncode == 0, 120,
               "the rolled-back release passing its self-check")
    # The next run leaves the held release alone.
    again = m.run(PY, "-m", "kiosk.fleet", "--config", FLEET, "update", check=False,
                  timeout=300)
    print(f"next run: {again.stdout.strip()[-300:]}")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no install: held" in again.stdout
    assert m.run("dpkg-query", "-W", "-f=${Version}", "linkage-kiosk").stdout == VERSION
