"""ESC/POS real-time status: DLE EOT n (n = 1..4) and the in-order GS r 1.

python-escpos implements only DLE EOT 1 (online) and 4 (paper); cover open and the error
causes (DLE EOT 2 and 3) are parsed here too. Every status byte has the fixed pattern
``0xx1xx10`` (bit 1 and bit 4 set, bit 0 and bit 7 clear); a byte without it is noise
(wrong baud rate) and is rejected rather than read as "all fine".

Bits (Epson ESC/POS application programming guide):

* n=1 printer:   bit 3 offline, bit 5 waiting for online recovery.
* n=2 offline:   bit 2 cover open, bit 3 paper being fed by the button, bit 5 printing
                 stopped for paper end, bit 6 error occurred.
* n=3 error:     bit 3 autocutter error, bit 5 unrecoverable error, bit 6 automatically
                 recoverable error (e.g. head too hot).
* n=4 paper:     bits 2-3 roll near end, bits 5-6 roll end.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DLE_EOT = b"\x10\x04"
GS_R_PAPER = b"\x1dr\x01"
"""``GS r 1``: paper status, processed *in order* after the data before it (unlike DLE EOT,
which jumps the queue). Its answer therefore means "everything before me was handled"."""

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010


class PaperLevel(Enum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"


class StatusNoise(ValueError):
    """A byte that is not a status answer (wrong baud rate, another device on the line)."""


def query(n: int) -> bytes:
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT n is 1..4")
    return DLE_EOT + bytes((n,))


def check_byte(value: int, n: int) -> int:
    if not fits_query(n, value):
        raise StatusNoise(f"0x{value:02x} is not an answer to DLE EOT {n}")
    return value


def fits_query(n: int, value: int) -> bool:
    """Whether ``value`` can be the answer to ``DLE EOT n`` (its fixed bits, per n).

    All four share ``0xx1xx10``; n=1 also has bit 6 fixed off; n=4 reports each sensor in
    two equal bits (2-3 near end, 5-6 roll end). Automatic Status Back bytes never fit:
    the first has bit 1 off, the others bit 4 off."""
    if value & _FIXED_MASK != _FIXED_BITS:
        return False
    if n == 1:
        return not value & 0x40
    if n == 4:
        return _pairs_equal(value, 2) and _pairs_equal(value, 5)
    return n in (2, 3)


def fits_paper_reply(value: int) -> bool:
    """Whether ``value`` can be the answer to ``GS r 1``: bits 4 and 7 off, each sensor
    in two equal bits (0-1 near end, 2-3 roll end)."""
    return not value & 0x90 and _pairs_equal(value, 0) and _pairs_equal(value, 2)


def is_asb_header(value: int) -> bool:
    """First byte of a 4-byte Automatic Status Back frame: ``0xx1xx00``. It fits no
    query's answer (DLE EOT answers have bit 1 on, GS r answers bit 4 off)."""
    return value & 0b1001_0011 == 0b0001_0000


ASB_FRAME_LENGTH = 4


def _pairs_equal(value: int, low_bit: int) -> bool:
    pair = (value >> low_bit) & 0b11
    return pair in (0b00, 0b11)


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    cover_open: bool
    paper: PaperLevel
    cutter_error: bool = False
    unrecoverable_error: bool = False
    recoverable_error: bool = False
    raw: bytes = b""

    @classmethod
    def parse(cls, printer: int, offline: int, error: int, paper: int) -> PrinterStatus:
        for n, value in enumerate((printer, offline, error, paper), start=1):
            check_byte(value, n)
        if paper & 0x60 == 0x60 or offline & 0x20:
            level = PaperLevel.OUT
        elif paper & 0x0C == 0x0C:
            level = PaperLevel.NEAR_END
        else:
            level = PaperLevel.OK
        return cls(
            online=not printer & 0x08,
            cover_open=bool(offline & 0x04),
            paper=level,
            cutter_error=bool(error & 0x08),
            unrecoverable_error=bool(error & 0x20),
            recoverable_error=bool(error & 0x40),
            raw=bytes((printer, offline, error, paper)),
        )

    @property
    def has_error(self) -> bool:
        return self.cutter_error or self.unrecoverable_error or self.recoverable_error

    @property
    def ready(self) -> bool:
        return (self.online and not self.cover_open and self.paper is not PaperLevel.OUT
                and not self.has_error)


def encode_status(*, online: bool = True, cover_open: bool = False,
                  paper: PaperLevel = PaperLevel.OK, cutter_error: bool = False,
                  unrecoverable_error: bool = False,
                  recoverable_error: bool = False) -> dict[int, int]:
    """The four status bytes a printer in this condition answers (for the virtual printer)."""
    paper_out = paper is PaperLevel.OUT
    has_error = cutter_error or unrecoverable_error or recoverable_error
    offline = not online or cover_open or paper_out or has_error
    return {
        1: _FIXED_BITS | (0x08 if offline else 0),
        2: _FIXED_BITS | (0x04 if cover_open else 0) | (0x20 if paper_out else 0)
        | (0x40 if has_error else 0),
        3: _FIXED_BITS | (0x08 if cutter_error else 0) | (0x20 if unrecoverable_error else 0)
        | (0x40 if recoverable_error else 0),
        4: _FIXED_BITS | (0x0C if paper is not PaperLevel.OK else 0) | (0x60 if paper_out else 0),
    }


def encode_asb(*, online: bool = True, cover_open: bool = False,
               paper: PaperLevel = PaperLevel.OK, cutter_error: bool = False) -> bytes:
    """The 4-byte Automatic Status Back frame a printer in this condition sends unasked."""
    paper_out = paper is PaperLevel.OUT
    offline = not online or cover_open or paper_out or cutter_error
    first = 0x10 | (0x08 if offline else 0) | (0x20 if cover_open else 0)
    second = 0x08 if cutter_error else 0
    third = (0x03 if paper is not PaperLevel.OK else 0) | (0x0C if paper_out else 0)
    return bytes((first, second, third, 0x00))


def parse_asb(frame: bytes) -> PrinterStatus:
    """The printer's state from a 4-byte ASB frame (inverse of `encode_asb`): byte 1 bit 3
    offline, bit 5 cover open; byte 2 bit 3 autocutter error, bit 5 unrecoverable, bit 6
    recoverable error; byte 3 bits 0-1 roll near end, bits 2-3 roll end."""
    if len(frame) != ASB_FRAME_LENGTH or not is_asb_header(frame[0]):
        raise StatusNoise(f"{frame.hex()} is not an ASB frame")
    first, second, third = frame[0], frame[1], frame[2]
    level = (PaperLevel.OUT if third & 0x0C else
             PaperLevel.NEAR_END if third & 0x03 else PaperLevel.OK)
    return PrinterStatus(
        online=not first & 0x08, cover_open=bool(first & 0x20), paper=level,
        cutter_error=bool(second & 0x08), unrecoverable_error=bool(second & 0x20),
        recoverable_error=bool(second & 0x40), raw=bytes(frame))


def paper_only_status(gs_r_answer: int) -> PrinterStatus:
    """What a ``GS r 1`` answer tells (paper only; a printer that stops answers nothing)."""
    level = (PaperLevel.OUT if gs_r_answer & 0x0C else
             PaperLevel.NEAR_END if gs_r_answer & 0x03 else PaperLevel.OK)
    return PrinterStatus(online=True, cover_open=False, paper=level,
                         raw=bytes((gs_r_answer,)))


def gs_r_paper_byte(paper: PaperLevel) -> int:
    """Answer to ``GS r 1``: bits 0-1 near end, bits 2-3 paper end (no fixed bits)."""
    if paper is PaperLevel.OUT:
        return 0x0F
    return 0x03 if paper is PaperLevel.NEAR_END else 0x00
