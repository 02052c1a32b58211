"""The maintenance screens in the real Kivy app, run in a process of their own.

Kivy has one Window per process and tests/ui builds its app in the main pytest process,
so tests/maintenance/test_ui_under_xvfb.py runs this folder in a child pytest. Everything
behind the screens is real: virtual printer over TCP, reference Linkage server over mutual
TLS, outbox on SQLite, the simulated card reader with the virtual card.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "tests" / "ui"))  # reuse the UI helper's test kit

from uikit_display import ensure_display  # noqa: E402
from uikit_settings import UI  # noqa: E402

ensure_display()
_KIVY_HOME = Path(tempfile.mkdtemp(prefix="kiosk-maint-ui-kivy-"))

from kiosk.ui.bootstrap import configure_kivy  # noqa: E402

configure_kivy(UI, kivy_home=_KIVY_HOME)

from uikit_app import running_app  # noqa: E402
from uikit_driver import UiDriver  # noqa: E402

from kiosk.config import Settings, load_settings  # noqa: E402
from kiosk.linkage.client import LinkageClient  # noqa: E402
from kiosk.linkage.pki import ensure_kiosk_credentials  # noqa: E402
from kiosk.maintenance.actions import Maintenance  # noqa: E402
from kiosk.maintenance.audit import AuditTrail  # noqa: E402
from kiosk.maintenance.paths import audit_file, lockout_file  # noqa: E402
from kiosk.maintenance.pin import PinGate, write_pin_hash  # noqa: E402
from kiosk.outbox.crypto import ensure_outbox_key  # noqa: E402
from kiosk.outbox.service import Outbox  # noqa: E402
from kiosk.printing.setup import PrintSystem, open_printing  # noqa: E402
from kiosk.ui.app import KioskApp  # noqa: E402
from kiosk.ui.maintenance import MaintenanceController, attach_maintenance  # noqa: E402
from simulators.linkage_server.runner import RunningServer, run_in_thread  # noqa: E402
from simulators.vcard.reader import SimulatedCardReader  # noqa: E402
from simulators.vprinter import VirtualPrinter  # noqa: E402

from ..conftest import write_config  # noqa: E402

PIN = "480213"
TECH_CARD = "1101700207030"


class FakeClock:
    """Wall clock for the PIN lockout (minutes long); Kivy's own clock keeps running."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class World:
    """The services behind the screens, reachable by the tests to inject faults."""

    def __init__(self, root: Path) -> None:
        pki = root / "state" / "pki"
        ensure_kiosk_credentials(pki, "TEST-1017-01")
        self.server: RunningServer = run_in_thread(state_dir=root / "server", pki_dir=pki)
        self.settings: Settings = load_settings(write_config(
            root, base_url=self.server.base_url,
            technician_extra=f'technician_card_ids = ["{TECH_CARD}"]'))
        self.printing: PrintSystem = open_printing(self.settings, virtual=VirtualPrinter)
        ensure_outbox_key(self.settings.outbox)
        self.outbox = Outbox(self.settings.outbox, self.settings.kiosk.id)
        self.outbox.wait_open(10)
        self.client = LinkageClient.from_settings(self.settings)
        self.reader = SimulatedCardReader()
        self.reader.start(lambda event: None)
        self.restarts: list[str] = []
        self.clock = FakeClock()
        write_pin_hash(self.settings.technician.pin_hash_file, PIN,
                       params={"n": 2**10, "r": 8, "p": 1})
        self.gate = PinGate(self.settings.technician.pin_hash_file,
                            lockout_file(self.settings),
                            technician_card_ids=self.settings.technician.technician_card_ids,
                            clock=self.clock)
        self.maintenance = Maintenance(
            self.settings, AuditTrail(self.settings.kiosk.id, audit_file(self.settings),
                                      outbox=self.outbox),
            card_reader=self.reader, printing=self.printing.service, outbox=self.outbox,
            linkage_factory=lambda: self.client,
            restart=lambda: self.restarts.append("restart"), health_timeout_s=5.0)

    def close(self) -> None:
        self.reader.stop()
        self.client.close()
        self.outbox.close()
        self.printing.close()
        self.server.stop()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("maint-ui"))
    try:
        yield w
    finally:
        w.close()


@pytest.fixture(scope="session")
def app(world: World) -> Iterator[KioskApp]:
    with running_app(_KIVY_HOME) as kiosk:
        yield kiosk


@pytest.fixture(scope="session")
def controller(app: KioskApp, world: World) -> Iterator[MaintenanceController]:
    c = attach_maintenance(app, world.maintenance, world.gate, refresh_s=0.3)
    yield c
    c.shutdown()


@pytest.fixture
def ui(app: KioskApp) -> UiDriver:
    driver = UiDriver(app)
    driver.frames(2)
    return driver
