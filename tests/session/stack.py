"""The real stack for end-to-end session tests, the scripted demo and the benchmark.

Reference Linkage server over mutual TLS on a free loopback port, outbox on a real SQLite
file, the virtual ESC/POS printer over TCP, the kiosk built by `kiosk.app.build_kiosk`
from a real config file. Cards: the in-process simulated reader (same APDU engine) or,
with ``vpcd_port``, the virtual card through the real pcscd.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import load_settings
from kiosk.linkage.pki import ensure_server_pki
from kiosk.session.ports import ClockPort
from kiosk.session.view import Screen, SessionView
from simulators.kiosk_devices import KioskDevices
from simulators.linkage_server.runner import RunningServer
from simulators.seeds import load_seeds
from simulators.thaid.stack import HolderStack, run_holder_stack
from simulators.vcard.pcsc_stack import PcscStack, VpcdSlot

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


def kiosk_slot(pcsc_stack: PcscStack) -> VpcdSlot:
    """The kiosk's slot of the shared pcscd: the second one, as the first belongs to the
    card tests' rig."""
    return pcsc_stack.slot(1) if len(pcsc_stack.slots) > 1 else pcsc_stack.slot(0)


def active_index() -> int:
    """A seed citizen whose card is active, latest and not expired."""
    for i, c in enumerate(load_seeds().citizens):
        if c.status.card_state == "active" and not c.identity().is_expired(dt.date.today()):
            return i
    raise AssertionError("no active card in the seeds")


def to_menu(stack: Stack, index: int | None) -> SessionView:
    """Seed citizen `index`'s card in (None: the test has put a card in itself), the
    identity shown, consent given: the service menu."""
    e = stack.kiosk.engine
    if index is not None:
        stack.devices.insert(index)
    e.wait_for(lambda v: v.screen is Screen.IDENTITY, 30)
    e.proceed()
    e.wait_for(lambda v: v.screen is Screen.CONSENT, 10)
    e.give_consent()
    return e.wait_for(lambda v: v.screen is Screen.MENU, 10)


def run_service(stack: Stack, service: str) -> SessionView:
    """Choose `service` on the menu: the view it ends in, its result or an error."""
    e = stack.kiosk.engine
    e.choose_service(service)
    e.sync()
    return e.wait_for(lambda v: v.screen in (Screen.RESULT, Screen.ERROR), 30)


def print_and_finish(stack: Stack, receipts_before: int) -> None:
    """Print the result: the session finishes, the receipt comes out whole."""
    e = stack.kiosk.engine
    e.print_result()
    e.sync()
    v = e.wait_for(lambda v: v.screen in (Screen.FINISHED, Screen.ERROR), 30)
    assert v.screen is Screen.FINISHED, v.error_key
    assert v.print_status.value == "printed"
    got = stack.printer.wait_for_receipts(receipts_before + 1, timeout_s=15)
    assert got[-1].complete
