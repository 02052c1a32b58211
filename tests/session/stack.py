"""The real stack for end-to-end session tests, the scripted demo and the benchmark.

Reference Linkage server over mutual TLS on a free loopback port, outbox on a real SQLite
file, the virtual ESC/POS printer over TCP, the kiosk built by `kiosk.app.build_kiosk`
from a real config file. Cards: the in-process simulated reader (same APDU engine) or,
with ``vpcd_port``, the virtual card through the real pcscd.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import load_settings
from kiosk.linkage.pki import ensure_server_pki
from kiosk.session.ports import ClockPort
from simulators.kiosk_devices import KioskDevices
from simulators.linkage_server.runner import RunningServer
from simulators.thaid.stack import HolderStack, run_holder_stack

REPO = Path(__file__).resolve().parents[2]


def write_config(root: Path, base_url: str, *, card_driver: str = "simulated",
                 reader_filter: str = "", read_photo: bool = True,
                 embedded_server: bool = False) -> Path:
    pki = root / "pki"
    text = f"""
[kiosk]
id = "TEST-1017-01"
office_code = "1017"
state_dir = "{root / 'state'}"
log_level = "DEBUG"

[card]
driver = "{card_driver}"
reader_filter = "{reader_filter}"
read_photo = {str(read_photo).lower()}

[printer]
transport = "virtual"
profile = "generic-80mm-raster"
profiles_file = "{REPO / 'config' / 'printer-profiles.toml'}"
virtual_output_dir = "{root / 'receipts'}"
timeout_s = 10.0

[linkage]
base_url = "{base_url}"
ca_file = "{pki / 'ca.pem'}"
client_cert_file = "{pki / 'kiosk.pem'}"
client_key_file = "{pki / 'kiosk.key'}"
device_key_file = "{pki / 'device-ed25519.key'}"
receipt_signing_key_file = "{pki / 'receipt-ed25519.key'}"
embedded_server = {str(embedded_server).lower()}
connect_timeout_s = 2.0
read_timeout_s = 5.0
total_timeout_s = 8.0
max_attempts = 2
holder_wait_s = 3.0

[outbox]
database = "{root / 'state' / 'outbox.sqlite3'}"
key_file = "{pki / 'outbox.key'}"
backoff_base_s = 0.05
backoff_cap_s = 0.5

[ui]
fullscreen = false

[technician]
pin_hash_file = "{pki / 'technician-pin.hash'}"
metrics_port = 0

[demo]
enabled = true
seeds_file = "{REPO / 'seeds' / 'citizens.json'}"

[session]
services_file = "{REPO / 'config' / 'services.toml'}"
"""
    path = root / "kiosk.toml"
    path.write_text(text, "utf-8")
    return path


@dataclass
class Stack:
    kiosk: Kiosk
    server: RunningServer
    devices: KioskDevices
    root: Path
    holder: HolderStack

    @property
    def printer(self) -> Any:
        return self.kiosk.printing.virtual_printer


@contextmanager
def real_stack(root: Path, *, vpcd_port: int | None = None, reader_filter: str = "",
               read_photo: bool = True, start_sender: bool = True,
               phone_auto: str | None = "holder",
               clock: ClockPort | None = None) -> Iterator[Stack]:
    """`phone_auto`: how the simulated ThaID phone answers every holder-verification QR
    ("holder" by default, so a required service runs; None: only the test's own steps)."""
    root.mkdir(parents=True, exist_ok=True)
    ensure_server_pki(root / "pki")
    with run_holder_stack(state_dir=root / "server", pki_dir=root / "pki") as holder:
        server = holder.server
        settings = load_settings(write_config(
            root, server.base_url, card_driver="pcsc" if vpcd_port else "simulated",
            reader_filter=reader_filter, read_photo=read_photo))
        kiosk = build_kiosk(settings, start_sender=start_sender, clock=clock)
        devices = KioskDevices(kiosk, seeds_file=settings.demo.seeds_file,
                               vpcd_port=vpcd_port, server=server, phone_auto=phone_auto)
        try:
            kiosk.engine.start()
            yield Stack(kiosk, server, devices, root, holder)
        finally:
            devices.close()
            kiosk.close()
        server.server.contract.assert_kept()  # the whole kiosk spoke as documented
