"""Status modes: how a printer reports its state, found by a short probe, and the dialogue
of each mode (status before a job, confirmation of its end).

Modes (the profile's ``status_mode``, `kiosk.receipts.profiles`):

* ``dle_eot``: real-time ``DLE EOT 1-4`` before the job; the end of the job is fenced by
  the in-order ``GS r 1``, then ``DLE EOT 1-4`` tells cover / paper / error. A printer
  that answers DLE EOT but no fence (the probe tells) cannot confirm an end: after the
  job its DLE EOT answers only say whether it is alive and well (`ConfirmedEnd.fenced`
  false: "sent, not confirmed" when it is, "interrupted" when it is not or is silent).
* ``gs_r``: only the in-order ``GS r 1`` (paper sensors); a stopped printer answers nothing.
* ``asb``: ``GS a`` enables Automatic Status Back; the first frame is the status before
  the job, the ``GS ( H`` fn 48 process ID response (answered after the data before it has
  printed) fences its end, and the latest frame tells the state after it.
* ``none``: nothing comes back (write-only serial, cheap USB, network status off). The job
  is sent; it is never confirmed ("printed, not confirmed").

Real-time commands inside image data (the one way this kiosk handles them): Epson's
ESC/POS notes say a ``DLE EOT n`` pattern inside another command's parameters (``ESC *`` /
``GS v 0`` raster bytes) is processed as a real-time command, so the printer sends status
bytes nobody asked for while it receives a job. The kiosk never takes an answer to its
own query from the stream that follows job data before a **fence**: an in-order answer
that data cannot produce (``GS r 1``'s byte has bit 4 off, every DLE EOT answer bit 4 on;
``GS ( H`` answers a 7-byte block with an ID the kiosk chose). Real-time answers to data
come before the fence (they are produced as the data is received, the fence after it is
processed), so everything before the fence is drained unread, and the status asked after
the fence is clean. The image bytes are never altered (flipping a bit changes the picture).

`probe` asks, in this order, each with its own short deadline: DLE EOT 1, GS r 1, ASB;
a printer that answers none of them is ``none`` (found in 3 x `PROBE_DEADLINE_S`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from drivers.printer.protocol import PrinterError, PrinterTimeout, StatusUnknown
from drivers.printer.status import (
    GS_R_PAPER,
    PrinterStatus,
    fits_paper_reply,
    fits_query,
    paper_only_status,
    parse_asb,
    query,
)

PROBE_DEADLINE_S = 0.4
"""Per probe: an idle printer answers a status query within a few ms, even at 9600 baud."""
ASB_ENABLE = b"\x1da\x0f"  # GS a n: online/offline, error, paper sensor, drawer changes
ASB_DISABLE = b"\x1da\x00"
_process_ids = itertools.count(1)


class StatusMode(StrEnum):
    DLE_EOT = "dle_eot"
    GS_R = "gs_r"
    ASB = "asb"
    NONE = "none"

    @property
    def reports(self) -> bool:
        return self is not StatusMode.NONE


class Dialogue(Protocol):
    """The part of a status-reading transport the modes use (`EscposTransport`)."""

    def send(self, data: bytes) -> None: ...

    def status(self, timeout_s: float | None = None) -> PrinterStatus: ...

    def ask(self, request: bytes, fits: Callable[[int], bool], timeout_s: float,
            what: str) -> int: ...

    def ask_asb(self, request: bytes, timeout_s: float) -> bytes: ...

    def latest_asb(self) -> bytes | None: ...

    def await_process_id(self, request: bytes, process_id: bytes,
                         timeout_s: float) -> None: ...


@dataclass(frozen=True)
class ProbeResult:
    mode: StatusMode
    answered: dict[str, bool]
    """Which probe got an answer (``dle_eot``, ``gs_r``, ``asb``), in the order asked."""
    took_s: float

    @property
    def fence(self) -> bool:
        """The printer answers an in-order command, so the end of a job can be confirmed."""
        return self.mode in (StatusMode.GS_R, StatusMode.ASB) or bool(self.answered.get("gs_r"))

    def describe(self) -> str:
        asked = ", ".join(f"{k} {'answered' if v else 'silent'}" for k, v in self.answered.items())
        fence = "job end confirmed" if self.fence else "job end cannot be confirmed"
        return f"status mode {self.mode.value} ({asked}; {fence}; {self.took_s:.2f} s)"


@dataclass(frozen=True)
class ConfirmedEnd:
    status: PrinterStatus
    fenced: bool
    """False: no in-order answer came; ``status`` only says the printer is alive."""


def probe(link: Dialogue, deadline_s: float = PROBE_DEADLINE_S) -> ProbeResult:
    """Find the status mode of an idle, open printer. Raise only `PrinterDisconnected`."""
    start = time.monotonic()
    answered: dict[str, bool] = {}
    mode = StatusMode.NONE
    for name, ask in (("dle_eot", lambda: link.ask(query(1), lambda v: fits_query(1, v),
                                                    deadline_s, "DLE EOT 1 (probe)")),
                      ("gs_r", lambda: link.ask(GS_R_PAPER, fits_paper_reply, deadline_s,
                                                "GS r 1 (probe)")),
                      ("asb", lambda: link.ask_asb(ASB_ENABLE, deadline_s))):
        try:
            ask()
        except PrinterTimeout:
            answered[name] = False
            continue
        except PrinterError as exc:
            if exc.reason not in ("garbled", "timeout"):
                raise
            answered[name] = False
            continue
        answered[name] = True
        if mode is StatusMode.NONE:
            mode = StatusMode(name)
        if name != "dle_eot":
            break  # after DLE EOT, one more probe: is there an in-order fence (GS r)?
    if answered.get("asb") and mode is not StatusMode.ASB:
        link.send(ASB_DISABLE)
    return ProbeResult(mode, answered, time.monotonic() - start)


def status_before(link: Dialogue, mode: StatusMode, timeout_s: float) -> PrinterStatus:
    """The printer's state before a job (the line is idle: no fence is needed)."""
    if mode is StatusMode.DLE_EOT:
        return link.status()
    if mode is StatusMode.GS_R:
        return paper_only_status(link.ask(GS_R_PAPER, fits_paper_reply, timeout_s,
                                          "GS r 1 (before the job)"))
    if mode is StatusMode.ASB:
        return parse_asb(link.ask_asb(ASB_ENABLE, timeout_s))
    raise ValueError("a printer in status mode none has no status")


def confirm_end(link: Dialogue, mode: StatusMode, timeout_s: float, *,
                fence: bool = True) -> ConfirmedEnd:
    """Wait for the fence after the job, then read the state (see the module docstring).

    Raise `PrinterTimeout` when the printer never confirms the end nor answers at all (it
    stopped: paper out with status withheld, reset, powered off), `PrinterDisconnected`
    when the link broke, `StatusUnknown` when the fence came but the status after it did
    not settle."""
    if mode is StatusMode.ASB:
        pid = f"{next(_process_ids) % 10000:04d}".encode()
        link.await_process_id(b"\x1d(H\x06\x00\x30\x30" + pid, pid, timeout_s)
        frame = link.latest_asb()
        if frame is None:
            raise PrinterTimeout("no ASB frame after the job")
        return ConfirmedEnd(parse_asb(frame), True)
    if mode is StatusMode.GS_R or fence:
        try:
            answer = link.ask(GS_R_PAPER, fits_paper_reply, timeout_s,
                              "GS r 1 (job processed)")
        except (StatusUnknown, PrinterTimeout) as exc:  # only strays, never the fence
            if mode is StatusMode.GS_R:
                raise PrinterTimeout(str(exc), reason="no_fence") from None
        else:
            if mode is StatusMode.GS_R:
                return ConfirmedEnd(paper_only_status(answer), True)
            return ConfirmedEnd(link.status(), True)  # after the fence: strays drained
        # The fence had the job's whole deadline: is the printer alive at all?
        return ConfirmedEnd(link.status(), False)
    # DLE EOT without a fence: alive and well, or not. The first answer may come only
    # once the whole job has been received, hence the job's deadline for each query.
    return ConfirmedEnd(link.status(timeout_s), False)
