"""Fixtures: printer profiles, a virtual printer on TCP (port 0) and a pty, a journal."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.printer.escpos_transports import NetworkTransport, SerialTransport
from drivers.printer.protocol import PrinterTransport
from kiosk.crypto_at_rest import AtRestCipher
from kiosk.printing.journal import PrintJournal
from kiosk.printing.service import PrintService
from kiosk.receipts.profiles import PrinterProfile, load_profiles
from simulators.vprinter import VirtualPrinter

REPO = Path(__file__).resolve().parents[2]
PROFILES_FILE = REPO / "config" / "printer-profiles.toml"
SERIAL_BAUD = 115200  # fault tests: fast; the benchmark measures the slow rates


@pytest.fixture(scope="session")
def profiles() -> dict[str, PrinterProfile]:
    return load_profiles(PROFILES_FILE)


@pytest.fixture
def raster_profile(profiles) -> PrinterProfile:
    return profiles["generic-80mm-raster"]


@pytest.fixture
def vprinter(tmp_path: Path) -> Iterator[VirtualPrinter]:
    printer = VirtualPrinter(tmp_path / "receipts")
    printer.start_tcp("127.0.0.1", 0)
    printer.start_pty()
    yield printer
    printer.stop()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[PrintJournal]:
    j = PrintJournal(tmp_path / "journal.sqlite3", AtRestCipher(b"k" * 32), retention_days=7)
    yield j
    j.close()


def transport_for(kind: str, printer: VirtualPrinter, *, timeout_s: float = 2.0
                  ) -> Callable[[], PrinterTransport]:
    if kind == "network":
        return lambda: NetworkTransport("127.0.0.1", printer.tcp_port or 0, timeout_s)
    assert printer.pty_path is not None
    return lambda: SerialTransport(printer.pty_path, SERIAL_BAUD, "rtscts", timeout_s,
                                   write_timeout_s=10.0)


@pytest.fixture(params=["network", "serial"])
def transport_kind(request) -> str:
    return request.param


@pytest.fixture
def service(vprinter, journal, raster_profile, transport_kind) -> PrintService:
    return PrintService(transport_for(transport_kind, vprinter), raster_profile, journal,
                        timeout_s=2.0)


def new_session() -> str:
    return uuid.uuid4().hex
