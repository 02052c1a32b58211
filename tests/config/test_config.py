"""The typed configuration: the shipped files load, and every kind of mistake is named."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kiosk.config import ConfigError, Settings, load_settings, read_secret, resolve_config_path
from kiosk.config.loader import DEFAULT_CONFIG, REPO_ROOT, write_secret

PRODUCTION_EXAMPLE = REPO_ROOT / "config" / "kiosk.production.example.toml"


def write_config(tmp_path: Path, text: str) -> Path:
    """A copy of the demo config with ``text`` applied as a textual edit."""
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "printer-profiles.toml").write_bytes(
        (REPO_ROOT / "config" / "printer-profiles.toml").read_bytes()
    )
    return path


def demo_text() -> str:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    # The copy lives in tmp: point the seeds at the repository's file.
    return text.replace('"../seeds/citizens.json"', f'"{REPO_ROOT}/seeds/citizens.json"')


def test_shipped_demo_config_loads() -> None:
    settings = load_settings(DEFAULT_CONFIG)
    assert isinstance(settings, Settings)
    assert settings.card.driver == "simulated"
    assert settings.linkage.base_url.startswith("https://")
    # Relative paths are taken from the config file's directory, not the cwd.
    assert settings.kiosk.state_dir == (REPO_ROOT / ".state").resolve()
    assert settings.printer.profiles_file == REPO_ROOT / "config" / "printer-profiles.toml"
    assert settings.source == DEFAULT_CONFIG.resolve()


def test_production_example_parses_and_uses_real_hardware(tmp_path: Path) -> None:
    text = PRODUCTION_EXAMPLE.read_text(encoding="utf-8").replace(
        "/etc/linkage-kiosk/printer-profiles.toml", "printer-profiles.toml"
    )
    settings = load_settings(write_config(tmp_path, text))
    assert settings.card.driver == "pcsc"
    assert settings.printer.transport == "serial"
    assert settings.linkage.embedded_server is False
    assert settings.demo.enabled is False


def test_every_key_of_the_examples_is_known() -> None:
    """The examples are documentation: each of their keys must be a real setting."""
    for path in (DEFAULT_CONFIG, PRODUCTION_EXAMPLE):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for section, values in data.items():
            model = Settings.model_fields[section].annotation
            for key in values:
                assert key in model.model_fields, f"{path.name}: {section}.{key}"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("driver = \"simulated\"", "driver = \"simulated\"\nreder = \"x\""),
         "key 'card.reder': unknown key"),
        (("read_photo = true", "read_photo = \"yes\""),
         "key 'card.read_photo': Input should be a valid boolean; got 'yes'"),
        (("[ui]\n", "[ui]\nscreen_dpi = \"high\"\n"), "key 'ui.screen_dpi'"),
        (("office_code = \"1017\"\n", ""), "key 'kiosk.office_code': required key is missing"),
        (("https://127.0.0.1:8443", "http://127.0.0.1:8443"), "key 'linkage.base_url'"),
        (("profile = \"generic-80mm-raster\"", "profile = 7"), "key 'printer.profile'"),
        (("profiles_file = \"printer-profiles.toml\"", "profiles_file = \"missing.toml\""),
         "key 'printer.profiles_file': Value error, file"),
        (("[kiosk]", "[kiosk]\n[surprise]\nx = 1\n[kiosk]"), None),
        (("fault_window_s = 600.0", "fault_window_s = 5"),
         "key 'session.fault_window_s': Input should be greater than or equal to 60"),
        (("key_file = \"../.state/pki/outbox.key\"\n",
          "key_file = \"../.state/pki/outbox.key\"\nreceipt_retention_days = \"1 month\"\n"),
         "key 'outbox.receipt_retention_days': Input should be a valid integer"),
        (("key_file = \"../.state/pki/outbox.key\"\n",
          "key_file = \"../.state/pki/outbox.key\"\nreceipt_retention_days = 2\n"),
         "receipt_retention_days must be longer than max_age_hours"),
        (("key_file = \"../.state/pki/outbox.key\"\n",
          "key_file = \"../.state/pki/outbox.key\"\nreceipt_retention = 30\n"),
         "key 'outbox.receipt_retention': unknown key"),
    ],
)
def test_mistakes_name_the_file_and_the_key(
    tmp_path: Path, edit: tuple[str, str], expected: str | None
) -> None:
    old, new = edit
    text = demo_text()
    assert old in text
    path = write_config(tmp_path, text.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert str(path) in message
    if expected:
        assert expected in message


def test_unknown_section_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_text() + "\n[printr]\nport = 1\n")
    with pytest.raises(ConfigError, match=r"key 'printr': unknown key"):
        load_settings(path)


def test_broken_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    broken = write_config(tmp_path, "[kiosk\nid = ")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken)
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "absent.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[kiosk]\nid = \"\xe9\"\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(latin)


def test_path_override_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert resolve_config_path() == DEFAULT_CONFIG
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "env.toml"))
    assert resolve_config_path() == tmp_path / "env.toml"
    assert resolve_config_path(tmp_path / "cli.toml") == tmp_path / "cli.toml"


def test_cli_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    path = write_config(tmp_path, demo_text().replace("read_photo = true", "read_photo = 1"))
    env = {**os.environ, "KIOSK_CONFIG": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "check-config"],
        capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "card.read_photo" in result.stderr and str(path) in result.stderr

    ok = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(DEFAULT_CONFIG), "check-config"],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout


def test_secret_files_must_be_private(tmp_path: Path) -> None:
    secret = tmp_path / "pki" / "device.key"
    write_secret(secret, b"k" * 32)
    assert secret.stat().st_mode & 0o777 == 0o600
    assert read_secret(secret, what="linkage.device_key_file") == b"k" * 32

    for loose in (0o640, 0o604, 0o620, 0o601):
        os.chmod(secret, loose)
        with pytest.raises(ConfigError, match=r"linkage.device_key_file: .* \(chmod 600 "):
            read_secret(secret, what="linkage.device_key_file")

    with pytest.raises(ConfigError, match="does not exist"):
        read_secret(tmp_path / "nothing.key", what="outbox.key_file")
    with pytest.raises(ConfigError, match="not a regular file"):
        read_secret(tmp_path, what="outbox.key_file")


def test_secret_folders_are_created_private(tmp_path: Path) -> None:
    """Every folder the kiosk creates above a key is 0700, not just the last one."""
    secret = tmp_path / "state" / "pki" / "outbox.key"
    write_secret(secret, b"x")
    for folder in (tmp_path / "state", tmp_path / "state" / "pki"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    # A folder that already exists keeps its mode: the kiosk does not chmod what it did
    # not create (e.g. /etc/linkage-kiosk, owned by the installer).
    os.chmod(tmp_path / "state", 0o750)
    write_secret(tmp_path / "state" / "other" / "k", b"y")
    assert (tmp_path / "state").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "state" / "other").stat().st_mode & 0o777 == 0o700
