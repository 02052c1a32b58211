"""Issue 16: ``check-config`` checks every file and device the kiosk will open.

A production-style config (demo off) with real keys made at runtime; each case breaks one
thing the way it happens on a kiosk and expects exit 2 naming the setting, the file and why.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.__main__ import main
from kiosk.config.loader import REPO_ROOT
from kiosk.crypto_at_rest import generate_key_file
from kiosk.linkage.pki import ensure_kiosk_credentials
from kiosk.maintenance.pin import write_pin_hash

KIOSK_ID = "TEST-1017-01"


def _kiosk(tmp_path: Path, printer: str = 'transport = "virtual"') -> Path:
    state = tmp_path / "state"
    pki = state / "pki"
    creds = ensure_kiosk_credentials(pki, KIOSK_ID)
    generate_key_file(pki / "outbox.key")
    write_pin_hash(pki / "pin.hash", "482915", params={"n": 2**4, "r": 8, "p": 1})
    config = tmp_path / "kiosk.toml"
    config.write_text(f"""
[kiosk]
id = "{KIOSK_ID}"
office_code = "1017"
state_dir = "{state}"
[card]
driver = "pcsc"
[printer]
{printer}
profile = "generic-80mm-raster"
profiles_file = "{REPO_ROOT}/config/printer-profiles.toml"
[linkage]
base_url = "https://127.0.0.1:8443"
ca_file = "{creds.ca_file}"
client_cert_file = "{creds.cert_file}"
client_key_file = "{creds.key_file}"
device_key_file = "{creds.device_key_file}"
receipt_signing_key_file = "{creds.receipt_key_file}"
[outbox]
database = "{state}/outbox.sqlite3"
key_file = "{pki}/outbox.key"
[technician]
pin_hash_file = "{pki}/pin.hash"
""", encoding="utf-8")
    return config


def _files(tmp_path: Path) -> dict[str, Path]:
    pki = tmp_path / "state" / "pki"
    creds = ensure_kiosk_credentials(pki, KIOSK_ID)
    return {"client_key": creds.key_file, "device_key": creds.device_key_file,
            "receipt_key": creds.receipt_key_file, "outbox_key": pki / "outbox.key",
            "pin": pki / "pin.hash", "ca": creds.ca_file, "cert": creds.cert_file}


def _ec_key_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())


def _replace_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.chmod(path, 0o600)


Breaker = Callable[[dict[str, Path]], None]
CASES: dict[str, tuple[Breaker, str, str]] = {
    "client key world-readable": (lambda f: os.chmod(f["client_key"], 0o644),
                                  "linkage.client_key_file", "mode 0644"),
    "client key missing": (lambda f: f["client_key"].unlink(),
                           "linkage.client_key_file", "does not exist"),
    "client key is a folder": (lambda f: _replace_dir(f["client_key"]),
                               "linkage.client_key_file", "not a regular file"),
    "client key garbage": (lambda f: _write(f["client_key"], b"-----BEGIN junk\n"),
                           "linkage.client_key_file", "not a PEM private key"),
    "device key of the wrong type": (lambda f: _write(f["device_key"], _ec_key_pem()),
                                     "linkage.device_key_file", "not an Ed25519"),
    "device key missing": (lambda f: f["device_key"].unlink(),
                           "linkage.device_key_file", "does not exist"),
    "receipt key garbage": (lambda f: _write(f["receipt_key"], b"\x00\x01\x02"),
                            "linkage.receipt_signing_key_file", "not a PEM private key"),
    "receipt key group-writable": (lambda f: os.chmod(f["receipt_key"], 0o620),
                                   "linkage.receipt_signing_key_file", "mode 0620"),
    "outbox key garbage": (lambda f: _write(f["outbox_key"], b"not a key!"),
                           "outbox.key_file", "not base64"),
    "outbox key too short": (lambda f: _write(f["outbox_key"], b"c2hvcnQ="),
                             "outbox.key_file", "holds 5 bytes"),
    "outbox key missing": (lambda f: f["outbox_key"].unlink(),
                           "outbox.key_file", "does not exist"),
    "PIN hash garbage": (lambda f: _write(f["pin"], b'{"alg": "md5"}'),
                         "technician.pin_hash_file", "not a technician PIN hash"),
    "PIN hash missing (no technician card either)": (
        lambda f: f["pin"].unlink(), "technician.pin_hash_file", "does not exist"),
    "CA garbage": (lambda f: f["ca"].write_text("hello"),
                   "linkage.ca_file", "not a PEM certificate"),
    "client certificate missing": (lambda f: f["cert"].unlink(),
                                   "linkage.client_cert_file", "does not exist"),
    "client key of another certificate": (
        lambda f: _write(f["client_key"], _ec_key_pem()),
        "linkage.client_cert_file", "does not belong to linkage.client_key_file"),
}


def test_a_sound_config_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _kiosk(tmp_path)
    assert main(["--config", str(config), "check-config"]) == 0, capsys.readouterr().err
    assert "OK" in capsys.readouterr().out


@pytest.mark.parametrize("case", list(CASES))
def test_each_bad_secret_file_fails_with_setting_file_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    config = _kiosk(tmp_path)
    files = _files(tmp_path)
    breaker, setting, reason = CASES[case]
    breaker(files)
    assert main(["--config", str(config), "check-config"]) == 2
    err = capsys.readouterr().err
    line = next((ln for ln in err.splitlines() if setting in ln), "")
    assert reason in line, err
    assert str(tmp_path) in line  # the file is named


def test_state_dir_that_is_a_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    config = _kiosk(tmp_path)
    text = config.read_text().replace(f'state_dir = "{tmp_path}/state"',
                                      f'state_dir = "{tmp_path}/a-file"')
    (tmp_path / "a-file").write_text("x")
    config.write_text(text)
    assert main(["--config", str(config), "check-config"]) == 2
    assert "kiosk.state_dir" in (err := capsys.readouterr().err) and "not a folder" in err


def test_missing_serial_printer_device_fails(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = _kiosk(tmp_path, printer=f'transport = "serial"\nserial_device = '
                                      f'"{tmp_path}/ttyUSB9"')
    assert main(["--config", str(config), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "printer.serial_device" in err and "does not exist" in err


def test_the_shipped_demo_config_passes_before_its_keys_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.config.loader import DEFAULT_CONFIG

    assert main(["--config", str(DEFAULT_CONFIG), "check-config"]) == 0, capsys.readouterr()
