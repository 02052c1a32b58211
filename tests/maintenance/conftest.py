"""A kiosk config in tmp_path: the demo config with every path pointing into the test's dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, *, technician_extra: str = "") -> Path:
    state = tmp_path / "state"
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(
        f"""
[kiosk]
id = "TEST-1017-01"
office_code = "1017"
state_dir = "{state}"

[card]
driver = "simulated"

[printer]
transport = "virtual"
profile = "generic-80mm-raster"
profiles_file = "{REPO / 'config' / 'printer-profiles.toml'}"

[linkage]
base_url = "https://127.0.0.1:1"
ca_file = "{state}/pki/ca.pem"
client_cert_file = "{state}/pki/kiosk.pem"
client_key_file = "{state}/pki/kiosk.key"
device_key_file = "{state}/pki/device-ed25519.key"
receipt_signing_key_file = "{state}/pki/receipt-ed25519.key"

[outbox]
database = "{state}/outbox.sqlite3"
key_file = "{state}/pki/outbox.key"

[technician]
pin_hash_file = "{state}/pki/technician-pin.hash"
metrics_port = 0
{technician_extra}
""",
        encoding="utf-8",
    )
    return cfg


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def settings(config_file: Path) -> Settings:
    return load_settings(config_file)
