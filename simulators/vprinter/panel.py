"""The virtual printer's panel and firmware state: the faults a test injects (cover, paper,
cutter, offline, which status commands are answered, a noisy line) and what the printer
reports from them - DLE EOT status bytes, GS r paper byte, ASB frames - encoded as the
ESC/POS documents say (`drivers.printer.status` encodes the bytes; the decisions are here).
The links that carry them are `simulators.vprinter.server`."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from drivers.printer.status import PaperLevel, encode_asb, encode_status, gs_r_paper_byte


@dataclass
class Faults:
    paper: PaperLevel = PaperLevel.OK
    cover_open: bool = False
    cutter_error: bool = False
    offline: bool = False
    disconnect_after: int | None = None
    paper_out_after: int | None = None
    baud: int | None = None
    """The printer's fixed baud rate; None follows whatever the host set."""
    answers: str = "all"
    """all | dle_eot | gs_r | asb | silent | write_only (see the module docstring)."""
    realtime_in_data: bool = False
    withhold_on_paper_out: bool = False
    throttle_bytes_per_s: float | None = None


ANSWER_KINDS = ("all", "dle_eot", "gs_r", "asb", "silent", "write_only")


class PrinterPanel:
    """Fault injection and status answers (a base of `VirtualPrinter`)."""

    def __init__(self) -> None:
        self.faults = Faults()
        self.dead = False
        """Switched off with its cable in (serial `disconnect_after`): answers nothing."""
        self.withheld = False
        """Paper ran out with status withheld: nothing is answered until paper is back."""
        self.asb_on = False
        self._armed_count = 0
        self._chatty: random.Random | None = None

    def set_paper(self, level: PaperLevel) -> None:
        self.faults.paper = level
        if level is not PaperLevel.OUT:
            self.withheld = False  # a new roll: the printer talks again

    def open_cover(self, is_open: bool = True) -> None:
        self.faults.cover_open = is_open

    def set_cutter_error(self, error: bool = True) -> None:
        self.faults.cutter_error = error

    def set_offline(self, offline: bool = True) -> None:
        self.faults.offline = offline

    def disconnect_after(self, n_bytes: int) -> None:
        self._arm()
        self.faults.disconnect_after = n_bytes

    def paper_out_after(self, n_bytes: int, *, withhold: bool = False) -> None:
        self._arm()
        self.faults.paper_out_after = n_bytes
        self.faults.withhold_on_paper_out = withhold

    def set_answers(self, kind: str) -> None:
        if kind not in ANSWER_KINDS:
            raise ValueError(f"answers must be one of {ANSWER_KINDS}")
        self.faults.answers = kind

    def set_realtime_in_data(self, on: bool = True) -> None:
        self.faults.realtime_in_data = on

    def throttle(self, bytes_per_s: float | None) -> None:
        self.faults.throttle_bytes_per_s = bytes_per_s

    def answers(self, kind: str) -> bool:
        """Whether the firmware answers ``kind`` (dle_eot, gs_r, gs_h, asb) now."""
        mode = self.faults.answers
        if self.withheld or mode in ("silent", "write_only"):
            return False
        return mode == "all" or mode == kind or (mode == "asb" and kind == "gs_h")

    def set_baud(self, baud: int | None) -> None:
        self.faults.baud = baud

    def set_chatty(self, seed: int | None) -> None:
        """Noisy replies from a seeded generator (None: a quiet, well-behaved printer)."""
        self._chatty = None if seed is None else random.Random(seed)

    def _arm(self) -> None:
        self._armed_count = 0

    # -- what the printer reports -----------------------------------------------------------

    def can_print(self) -> bool:
        f = self.faults
        return not (self.dead or f.cover_open or f.paper is PaperLevel.OUT
                    or f.cutter_error or f.offline)

    def status_byte(self, n: int) -> int:
        f = self.faults
        return encode_status(online=not f.offline, cover_open=f.cover_open, paper=f.paper,
                             cutter_error=f.cutter_error)[n]

    def paper_status_byte(self) -> int:
        return gs_r_paper_byte(self.faults.paper)

    def asb_frame(self) -> bytes:
        f = self.faults
        return encode_asb(online=not f.offline, cover_open=f.cover_open, paper=f.paper,
                          cutter_error=f.cutter_error)

    # -- chatty line ------------------------------------------------------------------------

    def _chatter(self, reply: bytes, write: Callable[[bytes], object]) -> None:
        """Send ``reply`` (b"" for none) with the noise of a chatty printer around it."""
        rng = self._chatty
        if rng is None:
            if reply:
                write(reply)
            return
        pieces = []
        if rng.random() < 0.05:
            pieces.append(bytes((self.status_byte(rng.randint(1, 4)),)))  # extra, before
        if reply:
            pieces.append(reply)
            if rng.random() < 0.25:
                pieces.append(reply)  # duplicated
        if rng.random() < 0.10:
            pieces.append(bytes((self.status_byte(rng.randint(1, 4)),)))  # extra, after
        if rng.random() < 0.10:
            pieces.append(self.asb_frame())
        data = b"".join(pieces)
        # Split anywhere, several writes: each one its own TCP segment (NODELAY).
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, 2))) \
            if len(data) > 1 and rng.random() < 0.5 else []
        start = 0
        for cut in [*cuts, len(data)]:
            if cut > start:
                write(data[start:cut])
            start = cut

    def _chatty_state_watch(self, write: Callable[[bytes], object]) -> Callable[[], None]:
        """ASB on every status change, as a printer with ASB enabled does."""
        last = [self.asb_frame()]

        def watch() -> None:
            if self._chatty is None and not self.asb_on:
                return
            frame = self.asb_frame()
            if frame != last[0]:
                last[0] = frame
                write(frame)
        return watch
