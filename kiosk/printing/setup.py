"""Build the printing stack from the configuration (`[printer]` in the kiosk TOML).

    system = open_printing(settings, virtual=...)   # PrintSystem: service, journal, profile
    system.service.print_receipt(session_id, document)
    system.close()

``transport = "virtual"`` (the demo) starts the virtual printer in-process on a free
loopback port, writing PNGs to ``virtual_output_dir``; the kiosk reaches it with the real
network transport, so the demo runs the same code as a kiosk with a LAN printer. Which
virtual printer is the composition root's choice (``virtual``:
:func:`kiosk.app.virtual_printer`); this module never imports a simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from drivers.printer.escpos_transports import (
    CupsTransport,
    FileTransport,
    NetworkTransport,
    SerialTransport,
    UsbTransport,
)
from drivers.printer.protocol import PrinterTransport
from kiosk.config.loader import ConfigError
from kiosk.config.settings import PrinterSettings, Settings
from kiosk.crypto_at_rest import ensure_key_file, load_cipher
from kiosk.printing.journal import PrintJournal
from kiosk.printing.service import PrintService
from kiosk.receipts.profiles import PrinterProfile, load_profile

JOURNAL_KEY_WHAT = "print journal key (printer.journal_key_file)"


class VirtualPrinter(Protocol):
    """The demo's in-process printer as the printing stack starts and stops it."""

    def start_tcp(self, host: str, port: int) -> int: ...

    def stop(self) -> None: ...


VirtualPrinterFactory = Callable[..., VirtualPrinter]
"""``factory(out_dir, width=dots_per_line, dpi=dpi)`` (``simulators.vprinter.VirtualPrinter``)."""


@dataclass
class PrintSystem:
    service: PrintService
    journal: PrintJournal
    profile: PrinterProfile
    virtual_printer: Any = None
    """The in-process `simulators.vprinter.VirtualPrinter` when transport = "virtual"."""
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()


def journal_paths(settings: Settings) -> tuple[Path, Path]:
    state = settings.kiosk.state_dir
    printer = settings.printer
    database = printer.journal_database or state / "print-journal.sqlite3"
    key = printer.journal_key_file or state / "pki" / "print-journal.key"
    return database, key


def transport_factory(printer: PrinterSettings, *, host: str | None = None,
                      port: int | None = None) -> Callable[[], PrinterTransport]:
    kind, timeout = printer.transport, printer.timeout_s
    if kind in ("network", "virtual"):
        h, p = host or printer.host, port or printer.port
        return lambda: NetworkTransport(h, p, timeout)
    if kind == "serial":
        return lambda: SerialTransport(printer.serial_device, printer.baudrate,
                                       printer.flow_control, timeout,
                                       write_timeout_s=max(timeout, 30.0))
    if kind == "usb":
        return lambda: UsbTransport(printer.usb_vendor, printer.usb_product, timeout)
    if kind == "file":
        return lambda: FileTransport(printer.file_path, timeout)
    return lambda: CupsTransport(printer.cups_name, timeout)


def open_printing(settings: Settings, *, virtual: VirtualPrinterFactory | None = None
                  ) -> PrintSystem:
    printer = settings.printer
    profile = load_profile(printer.profiles_file, printer.profile)
    database, key_file = journal_paths(settings)
    ensure_key_file(key_file)
    journal = PrintJournal(database, load_cipher(key_file, what=JOURNAL_KEY_WHAT),
                           retention_days=printer.journal_retention_days)
    virtual_printer = None
    closers: list[Callable[[], None]] = [journal.close]
    if printer.transport == "virtual":
        if virtual is None:
            raise ConfigError('printer.transport = "virtual" is the demo\'s simulated printer: '
                              "only the kiosk app and its commands start it")
        out_dir = printer.virtual_output_dir or settings.kiosk.state_dir / "receipts"
        virtual_printer = virtual(out_dir, width=profile.dots_per_line, dpi=profile.dpi)
        port = virtual_printer.start_tcp("127.0.0.1", 0)
        closers.append(virtual_printer.stop)
        factory = transport_factory(printer, host="127.0.0.1", port=port)
    else:
        factory = transport_factory(printer)
    service = PrintService(factory, profile, journal, timeout_s=printer.timeout_s)
    if profile.status_mode == "auto":
        service.start_probe()  # once at start; again after the printer was unreachable
    return PrintSystem(service, journal, profile, virtual_printer, closers)
