"""Virtual printer firmware model, native text fallback, unconfirmed transports, setup."""

from __future__ import annotations

import copy
import socket
import tomllib
from pathlib import Path

from escpos.printer import Dummy
from PIL import Image

from drivers.printer.escpos_transports import FileTransport
from kiosk.config import load_settings
from kiosk.printing.journal import JobState
from kiosk.printing.service import PrintService
from kiosk.printing.setup import open_printing
from kiosk.receipts.model import Document, Paragraph, Row
from kiosk.receipts.native import NativeTextRenderer
from kiosk.receipts.render import render_receipt
from kiosk.receipts.samples import record_slip
from simulators.vprinter import VirtualPrinter
from simulators.vprinter.offline import print_bytes

from .conftest import REPO, new_session


def test_native_text_is_cp874_and_decoded_by_the_printer(profiles, vprinter) -> None:
    profile = profiles["epson-tm-t82-thai"]
    data = render_receipt(record_slip(), profile, "native")
    assert b"\x1bt\x15" in data  # ESC t 21: Thai Character Code 11
    assert "ใบบันทึก".encode("cp874") in data
    assert b"\x1dv0" not in data  # all text, no raster
    with socket.create_connection(("127.0.0.1", vprinter.tcp_port)) as conn:
        conn.sendall(data)
    (receipt,) = vprinter.wait_for_receipts(1)
    assert any("นางสาวปิ่นมุก ทดสอบระบบ" in line for line in receipt.text)
    assert any(line.startswith("ชื่อ-สกุล") for line in receipt.text)


def test_native_falls_back_to_raster_for_what_cp874_lacks(profiles) -> None:
    profile = profiles["epson-tm-t82-thai"]
    doc = Document(blocks=(Paragraph(text="ชำระแล้ว ✓"), Row(key="ยอด", value="100 บาท")))
    data = NativeTextRenderer(profile).encode(doc)
    # the ✓ paragraph went as dots: raster strips or 24-dot column lines
    assert b"\x1dv0" in data or b"\x1b*!" in data
    assert "100 บาท".encode("cp874") in data  # the row stayed text
    (page,) = print_bytes(data)
    assert page.point(lambda v: 255 - v).getbbox() is not None


def test_graphics_command_and_status_from_python_escpos(vprinter) -> None:
    """Bytes built by python-escpos itself (GS ( L graphics, DLE EOT) are understood."""
    d = Dummy()
    d.profile.profile_data = copy.deepcopy(d.profile.profile_data)  # not the shared dict
    d.profile.profile_data["media"]["width"]["pixels"] = 576
    d.image(Image.new("1", (64, 16), 0), impl="graphics")
    d.cut()
    with socket.create_connection(("127.0.0.1", vprinter.tcp_port)) as conn:
        conn.sendall(b"\x10\x04\x01\x10\x04\x04")
        answer = b""
        while len(answer) < 2:
            answer += conn.recv(2 - len(answer))
        assert answer == b"\x12\x12"
        conn.sendall(d.output)
    (receipt,) = vprinter.wait_for_receipts(1)
    with Image.open(receipt.path) as page:
        inverted = page.convert("L").point(lambda v: 255 - v)
        assert inverted.getbbox() == (0, 0, 64, 16)


def test_file_transport_is_never_counted_as_printed(tmp_path, journal, raster_profile) -> None:
    target = tmp_path / "lp0"
    service = PrintService(lambda: FileTransport(str(target), 1.0), raster_profile, journal)
    outcome = service.print_receipt(new_session(), record_slip())
    assert outcome.state is JobState.UNCONFIRMED and not outcome.printed
    assert outcome.message_key == "printer.unconfirmed"
    assert target.read_bytes() == render_receipt(record_slip(), raster_profile)
    assert [j.job_id for j in service.failed_jobs()] == [outcome.job_id]


def test_demo_config_prints_to_the_in_process_virtual_printer(tmp_path: Path) -> None:
    config = (REPO / "config" / "kiosk.toml").read_text(encoding="utf-8")
    data = tomllib.loads(config)
    state = tmp_path / "state"
    config = config.replace('"../.state', f'"{state}')
    for key in ("profiles_file",):
        config = config.replace(f'{key} = "{data["printer"][key]}"',
                                f'{key} = "{REPO / "config" / data["printer"][key]}"')
    config = config.replace('"../seeds', f'"{REPO / "seeds"}')
    path = tmp_path / "kiosk.toml"
    path.write_text(config, encoding="utf-8")
    settings = load_settings(path)
    system = open_printing(settings, virtual=VirtualPrinter)
    try:
        outcome = system.service.print_receipt(new_session(), record_slip())
        assert outcome.printed
        (receipt,) = system.virtual_printer.wait_for_receipts(1)
        assert receipt.path.parent == state / "receipts"
        key = state / "pki" / "print-journal.key"
        assert key.exists() and (key.stat().st_mode & 0o077) == 0
    finally:
        system.close()


def test_usb_printer_absent_is_offline(journal, raster_profile) -> None:
    """Real pyusb + libusb enumeration (no printer is attached to this machine)."""
    from drivers.printer.escpos_transports import UsbTransport

    service = PrintService(lambda: UsbTransport(0x04B8, 0x0E15, 0.5), raster_profile, journal)
    outcome = service.print_receipt(new_session(), record_slip())
    assert not outcome.printed and outcome.message_key == "printer.offline"
    assert outcome.error is not None and outcome.error.reason in ("not_found", "open_failed")


def test_column_images_on_one_print_line_add_their_dots() -> None:
    """Two ESC * images put at the same place by ESC $ print both images' dots (a head
    prints the line buffer; a later image does not blank an earlier one)."""
    top = b"\x1b$\x05\x00\x1b*\x21\x01\x00" + bytes((0x80, 0, 0))      # column 5, top dot
    bottom = b"\x1b$\x05\x00\x1b*\x21\x01\x00" + bytes((0, 0, 0x01))   # column 5, dot 24
    (page,) = print_bytes(b"\x1b@" + top + bottom + b"\x1bJ\x18", width=64)
    assert page.height == 24
    assert page.getpixel((5, 0)) == 0 and page.getpixel((5, 23)) == 0  # both black
    assert page.point(lambda v: 255 - v).getbbox() == (5, 0, 6, 24)
