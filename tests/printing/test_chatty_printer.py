"""A chatty printer (duplicated, extra and split status bytes, ASB on) cannot confuse the
kiosk: 1,000 jobs through the real `NetworkTransport` and `PrintService`, with the virtual
printer's fault modes mixed in, give 0 false failures and 0 false successes.

The oracle is the paper: the virtual printer's own record of which receipts were cut
complete, not anything the kiosk computed."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from drivers.printer.dialogue import ReplyStream
from drivers.printer.escpos_transports import NetworkTransport
from drivers.printer.status import (
    PaperLevel,
    encode_asb,
    encode_status,
    fits_paper_reply,
    fits_query,
    gs_r_paper_byte,
)
from kiosk.printing.journal import JobState
from kiosk.printing.service import PrintService
from kiosk.receipts.model import Cut, Document, Paragraph, Title
from kiosk.receipts.render import render_receipt
from simulators.vprinter import VirtualPrinter

from .conftest import new_session

JOBS = 1000
SMALL_SLIP = Document(blocks=(Title(text="ใบรับ"), Paragraph(text="เลขที่ 42"), Cut()))

# (weight, name, inject before the job, expected message key when it fails)
SCENARIOS = [
    (55, "none", lambda p, rng, size: None, None),
    (10, "near-end", lambda p, rng, size: p.set_paper(PaperLevel.NEAR_END), None),
    (8, "cover-open", lambda p, rng, size: p.open_cover(True), "printer.cover_open"),
    (8, "paper-out", lambda p, rng, size: p.set_paper(PaperLevel.OUT), "printer.paper_out"),
    (6, "offline", lambda p, rng, size: p.set_offline(True), "printer.offline"),
    (5, "cutter", lambda p, rng, size: p.set_cutter_error(True), "printer.error"),
    (8, "paper-runs-out", lambda p, rng, size: p.paper_out_after(rng.randint(60, size)),
     None),
]


def test_every_status_byte_fits_only_its_own_pattern() -> None:
    conditions = [dict(online=o, cover_open=c, paper=p, cutter_error=x)
                  for o in (True, False) for c in (True, False) for p in PaperLevel
                  for x in (True, False)]
    for condition in conditions:
        answers = encode_status(**condition)
        for n, value in answers.items():
            assert fits_query(n, value)
            assert not fits_paper_reply(value)  # a DLE EOT answer is never "job processed"
        stream = ReplyStream()
        stream.feed(encode_asb(**condition))
        assert stream.take(lambda v: True) is None and stream.asb_frames == 1
    for paper in PaperLevel:
        value = gs_r_paper_byte(paper)
        assert fits_paper_reply(value)
        assert not any(fits_query(n, value) for n in (1, 2, 3, 4))


def test_reply_stream_keeps_asb_framing_across_reads() -> None:
    stream = ReplyStream()
    frame = encode_asb(paper=PaperLevel.OUT)
    stream.feed(frame[:1])
    stream.feed(frame[1:3])  # split across reads: its paper byte 0x0f looks like GS r
    stream.feed(frame[3:] + bytes((gs_r_paper_byte(PaperLevel.OK),)))
    assert stream.take(fits_paper_reply) == 0x00
    assert stream.skipped == 0


def _print_many(vprinter: VirtualPrinter, service: PrintService, jobs: int,
                seed: int, *, per_connection: bool = True) -> Counter[str]:
    rng = random.Random(seed)
    size = len(render_receipt(SMALL_SLIP, service.profile, "raster"))
    weights = [s[0] for s in SCENARIOS]
    tally: Counter[str] = Counter()
    for i in range(jobs):
        _, name, inject, expected_key = rng.choices(SCENARIOS, weights)[0]
        vprinter.clear_faults()
        inject(vprinter, rng, size)
        before = len(vprinter.receipts)
        outcome = service.print_receipt(new_session(), SMALL_SLIP)
        if per_connection:  # TCP: the printer's side of the job is over when it hangs up
            assert vprinter.wait_for_connections(i + 1) == i + 1, "the printer never hung up"
        # (serial: one long session; a receipt is saved before the answer that ends a job)
        on_paper = any(r.complete for r in vprinter.receipts[before:])
        if outcome.printed and not on_paper:
            tally["false_success"] += 1
        elif outcome.state is JobState.FAILED and on_paper:
            tally["false_failure"] += 1
        elif outcome.state is JobState.UNCONFIRMED:
            tally["unconfirmed"] += 1
        if outcome.message_key == "printer.status_unknown":
            tally["status_unknown"] += 1  # "try again": answers never settled, no fault
        elif expected_key is not None and outcome.message_key != expected_key:
            tally[f"wrong_cause:{name}:{outcome.message_key}"] += 1
        tally["printed" if outcome.printed else "not_printed"] += 1
    return tally


@pytest.mark.parametrize("chatty", [True, False], ids=["chatty", "quiet"])
def test_thousand_jobs_no_false_outcome(tmp_path: Path, journal, raster_profile,
                                        chatty: bool) -> None:
    jobs = JOBS if chatty else 200
    with VirtualPrinter(tmp_path / "receipts") as vprinter:
        vprinter.start_tcp("127.0.0.1", 0)
        if chatty:
            vprinter.set_chatty(1311)
        service = PrintService(
            lambda: NetworkTransport("127.0.0.1", vprinter.tcp_port or 0, 2.0),
            raster_profile, journal, timeout_s=2.0)
        tally = _print_many(vprinter, service, jobs, seed=13)
    print(dict(tally))
    assert tally["false_success"] == 0 and tally["false_failure"] == 0, dict(tally)
    assert not [k for k in tally if k.startswith("wrong_cause")], dict(tally)
    # Answers that never settled are honest "unknown"s (nothing counted, no fault named);
    # they must stay rare.
    assert tally["unconfirmed"] + tally["status_unknown"] <= jobs // 100, dict(tally)
    assert tally["printed"] > jobs // 2  # the mix really printed most jobs


def test_chatty_serial_line_no_false_outcome(tmp_path: Path, journal, raster_profile) -> None:
    """The same over the serial pseudo-terminal (fewer jobs: the line is 115200 baud)."""
    from drivers.printer.escpos_transports import SerialTransport

    from .conftest import SERIAL_BAUD

    jobs = 150
    with VirtualPrinter(tmp_path / "receipts") as vprinter:
        vprinter.set_chatty(2604)
        path = vprinter.start_pty()
        service = PrintService(
            lambda: SerialTransport(path, SERIAL_BAUD, "rtscts", 2.0, write_timeout_s=10.0),
            raster_profile, journal, timeout_s=2.0)
        tally = _print_many(vprinter, service, jobs, seed=31, per_connection=False)
    print(dict(tally))
    assert tally["false_success"] == 0 and tally["false_failure"] == 0, dict(tally)
    assert not [k for k in tally if k.startswith("wrong_cause")], dict(tally)
    assert tally["unconfirmed"] + tally["status_unknown"] <= jobs // 50, dict(tally)
    assert tally["printed"] > jobs // 2
