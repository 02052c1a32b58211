"""A kiosk config in tmp_path: the demo config with every path pointing into the test's dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Settings, load_settings
from kiosk.linkage.pki import ensure_kiosk_credentials
from simulators.linkage_server.runner import RunningServer, run_in_thread

REPO = Path(__file__).resolve().parents[2]

# The Kivy screens run in a child pytest of their own (one Kivy window per process):
# test_ui_under_xvfb.py starts it with this variable set.
UI_SUITE_ENV = "KIOSK_MAINTENANCE_UI_SUITE"
if not os.environ.get(UI_SUITE_ENV):
    collect_ignore = ["kivy_suite"]


def write_config(tmp_path: Path, *, technician_extra: str = "",
                 base_url: str = "https://127.0.0.1:1") -> Path:
    """Kiosk TEST-1017-01; the PKI file names are those `ensure_kiosk_credentials` writes
    into state/pki, so a reference server started on that folder matches the config."""
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
base_url = "{base_url}"
ca_file = "{state}/pki/ca.pem"
client_cert_file = "{state}/pki/TEST-1017-01.pem"
client_key_file = "{state}/pki/TEST-1017-01.key"
device_key_file = "{state}/pki/TEST-1017-01-device-ed25519.key"
receipt_signing_key_file = "{state}/pki/TEST-1017-01-receipt-ed25519.key"
max_attempts = 1
connect_timeout_s = 2.0
total_timeout_s = 5.0

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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """The reference Linkage server, trusting the kiosk credentials under state/pki."""
    pki = tmp_path / "state" / "pki"
    ensure_kiosk_credentials(pki, "TEST-1017-01")
    srv = run_in_thread(state_dir=tmp_path / "server", pki_dir=pki)
    try:
        yield srv
    finally:
        srv.stop()
