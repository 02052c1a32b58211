"""The systemd units and scripts/install.sh, checked with systemd's own tools.

Nothing is started here (test_container.py runs the units under a real systemd): `systemd-analyze
verify` and `systemd-analyze security --offline=true` read the unit files as systemd
would. `verify` insists that ExecStart's binary exists, so the installed units get a
stand-in prefix whose venv/bin/python is this test run's interpreter.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import load_settings

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "scripts" / "install.sh"
UNITS = ("linkage-kiosk.service", "linkage-kiosk-outbox.service",
         "linkage-reference-server.service")
PREFIX = "/opt/linkage-kiosk"
RECOVER = "linkage-kiosk-recover@.service"
RECOVER_INSTANCE = "linkage-kiosk-recover@linkage-kiosk-outbox.service.service"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze not installed")


def run_install(root: Path, *args: str, reader_conf: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DESTDIR=str(root))
    return subprocess.run(
        ["bash", str(INSTALL), "--skip-venv", "--reader-conf-dir", str(reader_conf), *args],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )


@pytest.fixture
def staged(tmp_path: Path) -> Path:
    """A demo install staged under tmp_path/root: every unit is installed."""
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    root = tmp_path / "root"
    done = run_install(root, "--demo", reader_conf=conf)
    assert done.returncode == 0, done.stderr + done.stdout
    return root


def units_with_standin_prefix(root: Path, tmp_path: Path) -> Path:
    """The installed units, with PREFIX pointing at a stand-in holding a real python."""
    standin = tmp_path / "prefix"
    (standin / "venv" / "bin").mkdir(parents=True)
    (standin / "venv" / "bin" / "python").symlink_to(sys.executable)
    out = tmp_path / "verify"
    out.mkdir()
    for unit in UNITS:
        text = (root / "etc/systemd/system" / unit).read_text()
        (out / unit).write_text(text.replace(PREFIX, str(standin)))
    # The recovery template, as the instance OnFailure= starts (verify needs an instance).
    text = (root / "etc/systemd/system" / RECOVER).read_text()
    (out / RECOVER_INSTANCE).write_text(text.replace(PREFIX, str(standin)))
    return out


def test_install_stages_files_with_paths_filled_in(staged: Path) -> None:
    for unit in UNITS:
        text = (staged / "etc/systemd/system" / unit).read_text()
        assert not re.findall(r"@[A-Z_]+@", text), f"placeholder left in {unit}"
        assert f"ExecStart={PREFIX}/venv/bin/python -m " in text
    assert (staged / "etc/udev/rules.d/99-linkage-kiosk-printer.rules").is_file()
    assert (staged / "etc/linkage-kiosk/services.toml").is_file()
    state = staged / "var/lib/linkage-kiosk"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((staged / "etc/linkage-kiosk/pki").stat().st_mode) == 0o700
    assert (staged / PREFIX.lstrip("/") / "docs/appliance.md").is_file()


def test_demo_config_points_at_installed_paths(staged: Path) -> None:
    cfg = staged / "etc/linkage-kiosk/kiosk.toml"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o640
    data = tomllib.loads(cfg.read_text())
    assert data["kiosk"]["state_dir"] == "/var/lib/linkage-kiosk"
    assert data["linkage"]["client_cert_file"] == "/var/lib/linkage-kiosk/pki/kiosk.pem"
    assert data["linkage"]["ca_file"] == "/var/lib/linkage-kiosk/pki/ca.pem"
    assert data["linkage"]["embedded_server"] is False
    assert data["demo"]["seeds_file"] == f"{PREFIX}/share/seeds/citizens.json"
    assert '"../' not in cfg.read_text()


def test_production_install_copies_the_example_and_keeps_edits(tmp_path: Path) -> None:
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    root = tmp_path / "root"
    assert run_install(root, "--production", reader_conf=conf).returncode == 0
    cfg = root / "etc/linkage-kiosk/kiosk.toml"
    assert cfg.read_text() == (REPO / "config/kiosk.production.example.toml").read_text()
    assert not (root / "etc/systemd/system/linkage-reference-server.service").exists()
    cfg.write_text(cfg.read_text() + "\n# edited by the technician\n")
    again = run_install(root, "--production", reader_conf=conf)
    assert again.returncode == 0 and "keeping existing" in again.stdout
    assert cfg.read_text().endswith("# edited by the technician\n")
    # The production example itself still loads (with its profile file next to it).
    shutil.copy(REPO / "config/printer-profiles.toml", tmp_path / "printer-profiles.toml")
    text = cfg.read_text().replace("/etc/linkage-kiosk/printer-profiles.toml",
                                   str(tmp_path / "printer-profiles.toml"))
    (tmp_path / "kiosk.toml").write_text(text)
    assert load_settings(tmp_path / "kiosk.toml").kiosk.id == "BKK-1017-01"


def test_production_install_refuses_while_vpcd_is_configured(tmp_path: Path) -> None:
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    (conf / "vpcd").write_text(
        'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x8C7B\n'
        "LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x8C7B\n"
    )
    root = tmp_path / "root"
    refused = run_install(root, "--production", reader_conf=conf)
    assert refused.returncode == 3
    assert "REFUSING production install" in refused.stderr and "35963" in refused.stderr
    assert not root.exists(), "nothing may be installed before the check"
    demo = run_install(root, "--demo", reader_conf=conf)
    assert demo.returncode == 0 and "vpcd virtual reader present" in demo.stdout


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    done = subprocess.run(
        ["bash", str(INSTALL), "--dry-run", "--reader-conf-dir", str(conf), "--prefix",
         str(tmp_path / "p")],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "+ python3 -m venv" in done.stdout and "systemctl enable" in done.stdout
    assert not (tmp_path / "p").exists()


def test_a_demo_install_builds_the_prompt_pack_as_the_kiosk_user(tmp_path: Path) -> None:
    """A blind citizen needs the spoken guidance from the first boot: the demo install builds
    the stand-in pack (espeak-ng, checked first) in the state dir, as the kiosk user."""
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    prefix = tmp_path / "p"
    done = subprocess.run(
        ["bash", str(INSTALL), "--demo", "--dry-run", "--reader-conf-dir", str(conf),
         "--prefix", str(prefix)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (f"+ runuser -u linkage-kiosk -- {prefix}/venv/bin/python -m kiosk --config "
            "/etc/linkage-kiosk/kiosk.toml prompts build") in done.stdout
    # Without espeak-ng a real demo install stops before it changes anything.
    env = {**os.environ, "PATH": str(tool_dir(tmp_path, "espeak-ng"))}
    missing = subprocess.run(
        ["bash", str(INSTALL), "--demo", "--dry-run", "--reader-conf-dir", str(conf),
         "--prefix", str(prefix)], env=env, capture_output=True, text=True, check=False,
        timeout=60)
    assert "missing tools: " in missing.stderr and "espeak-ng" in missing.stderr, missing.stderr
    assert not prefix.exists()


@pytest.mark.parametrize("prefix", ["relative/dir", "/opt/kiosk|touch /tmp/x", "/opt/a b",
                                    "/opt/../etc", "/", "/opt/k&x", "/opt/k\\1", "/opt/$HOME"])
def test_an_unsafe_prefix_is_refused_before_anything_is_written(prefix: str,
                                                               tmp_path: Path) -> None:
    done = subprocess.run(["bash", str(INSTALL), "--dry-run", "--prefix", prefix],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DESTDIR": str(tmp_path / "root")})
    assert done.returncode == 64, done.stdout + done.stderr
    assert "--prefix must be" in done.stderr
    assert not (tmp_path / "root").exists()


def test_bad_option_is_refused() -> None:
    done = subprocess.run(["bash", str(INSTALL), "--frobnicate"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 64 and "unknown option" in done.stderr


@needs_analyze
def test_systemd_analyze_verify_passes(staged: Path, tmp_path: Path) -> None:
    units = units_with_standin_prefix(staged, tmp_path)
    done = subprocess.run([ANALYZE, "verify",
                           *(str(units / u) for u in (*UNITS, RECOVER_INSTANCE))],
                          capture_output=True, text=True, check=False, timeout=120)
    # verify only warns (exit 0) about unknown keys: any output about our units fails too.
    ours = [line for line in (done.stdout + done.stderr).splitlines()
            if any(u.split(".")[0] in line for u in (*UNITS, RECOVER))]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


@needs_analyze
def test_verify_catches_a_broken_unit(tmp_path: Path, staged: Path) -> None:
    """The check above can fail: a misspelt key is reported."""
    units = units_with_standin_prefix(staged, tmp_path)
    broken = units / "linkage-kiosk.service"
    broken.write_text(broken.read_text().replace("WatchdogSec=30", "WatchdogSecs=30"))
    done = subprocess.run([ANALYZE, "verify", str(broken)], capture_output=True, text=True,
                          check=False, timeout=120)
    assert "WatchdogSecs" in done.stderr


@needs_analyze
@pytest.mark.parametrize("unit", (*UNITS, RECOVER_INSTANCE))
def test_exposure_score_is_ok(unit: str, staged: Path, tmp_path: Path) -> None:
    units = units_with_standin_prefix(staged, tmp_path)
    done = subprocess.run(
        [ANALYZE, "security", "--offline=true", "--no-pager", str(units / unit)],
        capture_output=True, text=True, check=False, timeout=120,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", done.stdout)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= 2.0, done.stdout  # "OK" band; the baseline unit is 9.6


def test_watchdog_and_hardening_keys_present() -> None:
    ui = (REPO / "systemd/linkage-kiosk.service").read_text()
    for key in ("Type=notify", "WatchdogSec=30", "Restart=always", "RestartSec=5",
                "StartLimitIntervalSec=", "StartLimitBurst=", "User=linkage-kiosk",
                "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=@STATEDIR@",
                "PrivateTmp=yes", "ProtectHome=yes", "DevicePolicy=closed",
                "DeviceAllow=char-ttyUSB rw", "DeviceAllow=char-usb_device rw",
                "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"):
        assert key in ui, key
    outbox = (REPO / "systemd/linkage-kiosk-outbox.service").read_text()
    assert "outbox run" in outbox and "PrivateDevices=yes" in outbox
    # Its READY=1 (tests/outbox/test_crash.py reads it on $NOTIFY_SOCKET) reaches systemd.
    assert "Type=notify" in outbox and "Type=exec" not in outbox


def tool_dir(tmp_path: Path, leave_out: str) -> Path:
    """A PATH holding every tool install.sh may call, except ``leave_out``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("python3", "sed", "install", "mktemp", "bash", "dirname", "cat", "id", "rm",
                 "sort", "grep", "ss", "chmod", "mkdir", "tr", "env"):
        found = shutil.which(tool)
        if found and tool != leave_out:
            (bin_dir / tool).symlink_to(found)
    return bin_dir


def test_a_missing_tool_stops_the_install_before_anything_changes(tmp_path: Path) -> None:
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    root = tmp_path / "root"
    env = {**os.environ, "DESTDIR": str(root), "PATH": str(tool_dir(tmp_path, "sed"))}
    done = subprocess.run(["bash", str(INSTALL), "--demo", "--skip-venv", "--reader-conf-dir",
                           str(conf)], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 69, done.stdout + done.stderr
    assert "missing tools, nothing was changed: sed" in done.stderr
    assert not root.exists()


def test_a_failed_step_leaves_no_half_install(tmp_path: Path) -> None:
    conf = tmp_path / "reader.conf.d"
    conf.mkdir()
    root = tmp_path / "root"
    # A file where the udev rules folder must go: the install fails at its last steps.
    (root / "etc/udev").mkdir(parents=True)
    (root / "etc/udev/rules.d").write_text("in the way\n")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    done = run_install(root, "--demo", reader_conf=conf)
    assert done.returncode != 0
    assert "removing the" in done.stderr and "path(s) this run created" in done.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    # With the obstacle gone the same install succeeds (nothing left behind blocks it).
    (root / "etc/udev/rules.d").unlink()
    again = run_install(root, "--demo", reader_conf=conf)
    assert again.returncode == 0, again.stderr
    assert (root / "etc/systemd/system/linkage-kiosk-recover@.service").is_file()
    assert (root / PREFIX.lstrip("/") / "share/linkage-api.yaml").is_file()
