"""Status modes: the profile setting is validated, ``auto`` finds each kind of printer
quickly (a silent one in <= 2 s), ``kiosk printer probe`` shows what was found, and a
printer that answers every real-time pattern inside image data never confuses the end of a
job (the fence, `drivers.printer.capability`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from drivers.printer.capability import StatusMode
from kiosk.config import ConfigError
from kiosk.printing.job_machine import Outcome
from kiosk.printing.service import PrintService
from kiosk.receipts.profiles import load_profiles
from kiosk.receipts.render import render_receipt

from .conftest import new_session, transport_for
from .test_printer_behaviours import ticket


def test_status_mode_is_validated_naming_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text("[p]\ndots_per_line = 576\ndpi = 203\nthai_native = false\n"
                    "native_qr = true\ncutter = true\nstatus_mode = \"dle-eot\"\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profiles(path)
    assert str(path) in str(caught.value) and "p.status_mode" in str(caught.value)
    path.write_text(path.read_text("utf-8").replace('"dle-eot"', "1"), "utf-8")
    with pytest.raises(ConfigError, match=r"p\.status_mode"):
        load_profiles(path)


@pytest.mark.parametrize(("answers", "mode", "fence"), [
    ("all", StatusMode.DLE_EOT, True), ("dle_eot", StatusMode.DLE_EOT, False),
    ("gs_r", StatusMode.GS_R, True), ("asb", StatusMode.ASB, True),
    ("silent", StatusMode.NONE, False), ("write_only", StatusMode.NONE, False),
])
def test_auto_finds_the_mode(answers, mode, fence, vprinter, journal, raster_profile,
                             transport_kind) -> None:
    vprinter.set_answers(answers)
    service = PrintService(transport_for(transport_kind, vprinter), raster_profile, journal)
    result = service.probe()
    assert not isinstance(result, Exception), result
    assert (result.mode, result.fence) == (mode, fence), result.describe()
    assert result.took_s <= 2.0  # a printer that answers nothing is found in <= 2 s
    assert service.status_mode() is mode


def test_a_silent_printer_never_blocks_printing(vprinter, journal, raster_profile,
                                                transport_kind) -> None:
    vprinter.set_answers("write_only")
    service = PrintService(transport_for(transport_kind, vprinter), raster_profile, journal)
    outcome = service.print_receipt(new_session(), ticket(), kind="counter_ticket")
    assert outcome.outcome is Outcome.SENT_UNCONFIRMED
    assert outcome.message_key == "printer.unconfirmed"
    (receipt,) = vprinter.wait_for_receipts(1)
    assert receipt.complete  # it printed, and the kiosk did not claim more than "sent"


@pytest.mark.parametrize("answers", ["all", "dle_eot"])
def test_stray_answers_to_patterns_in_image_data(answers, vprinter, journal, raster_profile,
                                                 transport_kind) -> None:
    """The printer answers each 10 04 n inside the ticket's raster; the kiosk counts on
    none of them (the fence), and the status after the job is the real one."""
    data = render_receipt(ticket(), raster_profile)
    patterns = len(re.findall(rb"\x10\x04[\x01-\x04]", data))
    assert patterns > 0
    vprinter.set_answers(answers)
    vprinter.set_realtime_in_data(True)
    service = PrintService(transport_for(transport_kind, vprinter), raster_profile, journal)
    before = vprinter.stray_answers
    outcome = service.print_receipt(new_session(), ticket(), kind="counter_ticket")
    (receipt,) = vprinter.wait_for_receipts(1)
    assert receipt.complete
    expected = Outcome.PRINTED if answers == "all" else Outcome.SENT_UNCONFIRMED
    assert outcome.outcome is expected, outcome
    # every pattern of the job was answered (plus the kiosk's own status queries)
    assert vprinter.stray_answers - before >= patterns


def test_printer_probe_command(tmp_path: Path, capsys) -> None:
    from kiosk.__main__ import main

    assert main(["printer", "probe", "--json"]) == 0  # the demo config: virtual printer
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["ok"] and report["found"] == "dle_eot" and report["job_end_confirmed"]
    assert report["status_mode_setting"] == "auto"


def test_printer_demo_and_jobs_commands(capsys) -> None:
    """``python -m kiosk printer demo``: both samples printed on the demo config's virtual
    printer and their pictures named; ``printer jobs`` then lists them."""
    from kiosk.__main__ import main

    assert main(["printer", "demo"]) == 0
    out = capsys.readouterr().out.splitlines()
    printed = [line for line in out if line.startswith("job ")]
    assert len(printed) == 2 and all(": printed (" in line for line in printed), out
    assert sum(line.strip().startswith("receipt image: ") for line in out) == 2
    job_ids = {line.split()[1].rstrip(":") for line in printed}
    assert main(["printer", "jobs"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert job_ids <= listed
