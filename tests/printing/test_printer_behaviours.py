"""Printers the kiosk has not seen, as generated variety (Hypothesis), through the real TCP
and serial (pty) transports and `PrintService` with ``status_mode = "auto"`` (or the
mode named in the profile): each behaviour ends in the right outcome class, with the right
citizen words in Thai and English.

Behaviours: answers all / only DLE EOT / only GS r / only ASB / nothing / write-only;
answers every ``DLE EOT n`` found inside image data; resets after N bytes; throttles to N
bytes/s; paper runs out mid-job, status answered or withheld.

The oracle is the paper: the virtual printer's own record of whether the slip was cut
whole, never anything the kiosk computed. Rules checked:

* a complete job is never reported interrupted / not started; with a printer that has an
  in-order answer (GS r, GS ( H) it is reported printed;
* an incomplete job is never reported printed; with a printer that reports status, nor
  "check your receipt" (only a write-only link cannot tell, and says so);
* over TCP a reset is always "interrupted", whatever the printer answers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.printing import messages
from kiosk.printing.job_machine import Outcome
from kiosk.printing.service import PrintService
from kiosk.receipts.model import Document
from kiosk.receipts.profiles import PrinterProfile
from kiosk.receipts.render import render_receipt
from simulators.seed_slips import seed_slips
from simulators.vprinter import VirtualPrinter

from .conftest import new_session, transport_for

REPORTS = ("all", "dle_eot", "gs_r", "asb")
FENCED = ("all", "gs_r", "asb")
MODE_FOR = {"all": "dle_eot", "dle_eot": "dle_eot", "gs_r": "gs_r", "asb": "asb",
            "silent": "none", "write_only": "none"}
WORDS = {  # outcome -> (Thai, English) the citizen must read
    Outcome.PRINTED: ("พิมพ์เรียบร้อย", "Printed."),
    Outcome.SENT_UNCONFIRMED: ("ยืนยันผลไม่ได้", "cannot confirm it printed"),
    Outcome.INTERRUPTED: ("การพิมพ์ถูกขัดจังหวะ",
                          "Printing was interrupted. Ask staff to print it again"),
}


@functools.cache
def ticket() -> Document:
    """A seed counter ticket whose raster holds real-time patterns (10 04 n)."""
    for slip in seed_slips(kinds=("counter_ticket",), languages=("th",), limit=10):
        return slip.document
    raise AssertionError("no seed counter ticket")


@dataclass(frozen=True)
class Behaviour:
    answers: str
    realtime_in_data: bool
    fault: str  # none | reset | paper_out | paper_out_withheld | throttle
    at: float  # where in the job the fault strikes (fraction of its bytes)
    configured: bool  # the profile names the mode (else auto: probed)

    def firmware(self, printer: VirtualPrinter) -> None:
        printer.set_answers(self.answers)
        printer.set_realtime_in_data(self.realtime_in_data)

    def arm(self, printer: VirtualPrinter, size: int) -> None:
        n = max(1, min(size - 1, int(size * self.at)))
        if self.fault == "reset":
            printer.disconnect_after(n)
        elif self.fault.startswith("paper_out"):
            printer.paper_out_after(n, withhold=self.fault.endswith("withheld"))
        elif self.fault == "throttle":
            printer.throttle(4000 + 40000 * self.at)


behaviours = st.builds(
    Behaviour,
    answers=st.sampled_from(("all", "dle_eot", "gs_r", "asb", "silent", "write_only")),
    realtime_in_data=st.booleans(),
    fault=st.sampled_from(("none", "reset", "paper_out", "paper_out_withheld", "throttle")),
    at=st.floats(0.05, 0.95),
    configured=st.booleans(),
)


def check(behaviour: Behaviour, kind: str, tmp: Path, journal, profile: PrinterProfile
          ) -> None:
    document = ticket()
    if behaviour.configured:
        profile = profile.model_copy(update={"status_mode": MODE_FOR[behaviour.answers]})
    size = len(render_receipt(document, profile))
    with VirtualPrinter(tmp) as printer:
        printer.start_tcp("127.0.0.1", 0) if kind == "network" else printer.start_pty()
        service = PrintService(transport_for(kind, printer), profile, journal, timeout_s=2.0)
        behaviour.firmware(printer)
        if not behaviour.configured:
            probed = service.probe()
            assert not isinstance(probed, Exception), probed
            assert probed.mode.value == MODE_FOR[behaviour.answers], probed.describe()
            assert probed.took_s <= 2.0
        behaviour.arm(printer, size)
        outcome = service.print_receipt(new_session(), document, kind="counter_ticket")
        if kind == "network":  # the printer's side of the job is over when it hangs up
            assert printer.wait_for_connections(2 if not behaviour.configured else 1)
        else:  # serial: the kiosk may know the outcome before the line has carried it all
            printer.wait_for_receipts(1, 5.0)
        complete = any(r.complete for r in printer.receipts)
        if behaviour.realtime_in_data and behaviour.answers in ("all", "dle_eot") \
                and behaviour.fault == "none":
            assert printer.stray_answers > 0  # the ticket's raster really held patterns
    result = outcome.outcome
    story = f"{behaviour} over {kind}: {result.value} ({outcome.reason}), complete={complete}"
    if behaviour.fault in ("none", "throttle"):
        assert complete, story  # nothing went wrong: every printer prints the whole slip
    if complete:
        assert result in (Outcome.PRINTED, Outcome.SENT_UNCONFIRMED), story
        if behaviour.answers in FENCED:
            assert result is Outcome.PRINTED, story
    else:
        assert result is not Outcome.PRINTED, story
        if behaviour.answers in REPORTS or (kind == "network" and behaviour.fault == "reset"):
            assert result is Outcome.INTERRUPTED, story
    th, en = WORDS[result]
    assert th in messages.citizen(outcome.message_key, "th"), story
    assert en in messages.citizen(outcome.message_key, "en"), story
    if result is Outcome.INTERRUPTED:
        assert not re.search("check", messages.citizen(outcome.message_key, "en"), re.I)


EXAMPLES = settings(max_examples=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.mark.parametrize("kind", ["network", "serial"])
def test_every_behaviour_ends_in_its_outcome(kind, tmp_path_factory, journal,
                                             raster_profile) -> None:
    @EXAMPLES
    @given(behaviours)
    def run(behaviour: Behaviour) -> None:
        check(behaviour, kind, tmp_path_factory.mktemp("vp"), journal, raster_profile)

    run()
