"""Each health item reflects a real fault, and each action works against real services.

Real parts: the virtual ESC/POS printer over TCP with its fault injection, the reference
Linkage server over mutual TLS on a free loopback port, the outbox on a SQLite file.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.printer.status import PaperLevel
from kiosk.config import Settings, load_settings
from kiosk.domain.citizen_id import mask_cid
from kiosk.linkage.client import LinkageClient
from kiosk.maintenance.actions import Maintenance, effective_profile_name
from kiosk.maintenance.audit import AuditTrail
from kiosk.maintenance.health import Status
from kiosk.maintenance.paths import audit_file
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.service import Outbox
from kiosk.outbox.store import Settlement
from kiosk.printing.journal import JobState
from kiosk.printing.setup import PrintSystem, open_printing
from simulators.linkage_server.runner import RunningServer
from simulators.seeds import load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.profile import CardProfile
from simulators.vcard.reader import SimulatedCardReader
from simulators.vprinter import VirtualPrinter

from .conftest import write_config
from .helpers import open_outbox


@pytest.fixture
def live_settings(tmp_path: Path, server: RunningServer) -> Settings:
    return load_settings(write_config(tmp_path, base_url=server.base_url))


@pytest.fixture
def printing(live_settings: Settings) -> Iterator[PrintSystem]:
    system = open_printing(live_settings, virtual=VirtualPrinter)
    try:
        yield system
    finally:
        system.close()


@pytest.fixture
def outbox(live_settings: Settings) -> Iterator[Outbox]:
    box = open_outbox(live_settings)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def maintenance(live_settings: Settings, printing: PrintSystem, outbox: Outbox
                ) -> Iterator[Maintenance]:
    clients: list[LinkageClient] = []

    def factory() -> LinkageClient:
        if not clients:
            clients.append(LinkageClient.from_settings(live_settings))
        return clients[0]

    audit = AuditTrail(live_settings.kiosk.id, audit_file(live_settings), outbox=outbox)
    yield Maintenance(live_settings, audit, card_reader=SimulatedCardReader(),
                      printing=printing.service, outbox=outbox, linkage_factory=factory)
    for c in clients:
        c.close()


def make_dead(outbox: Outbox, reason: str) -> str:
    """Enqueue an item and let it die the way the sender settles a permanent failure."""
    receipt = outbox.enqueue(ItemKind.SUBMISSION, b'{"kind": "test"}')
    lease = f"lease-{time.monotonic_ns()}"
    claimed = outbox.call(lambda s: s.claim(lease, 10), writes=True)
    assert [c.item_id for c in claimed] == [receipt.item_id]
    outbox.call(lambda s: s.settle(lease, [Settlement(receipt.item_id, ItemState.DEAD,
                                                      error=reason)]), writes=True)
    return receipt.item_id


def audit_actions(settings: Settings) -> list[str]:
    return [json.loads(line)["action"]
            for line in audit_file(settings).read_text().splitlines()]


def test_all_green_when_everything_works(maintenance: Maintenance) -> None:
    report = maintenance.health()
    for key in ("printer", "linkage", "outbox", "disk", "version", "uptime", "card_reader"):
        assert key in {i.key for i in report.items}
    assert report.item("printer").status is Status.OK, report.item("printer")
    assert report.item("linkage").status is Status.OK, report.item("linkage")
    assert report.item("linkage").detail["latency_ms"] >= 0
    assert report.item("outbox").status is Status.OK
    assert report.item("outbox").detail["waiting"] == 0


def test_printer_paper_out_and_cover_open_show(maintenance: Maintenance,
                                                printing: PrintSystem) -> None:
    printing.virtual_printer.set_paper(PaperLevel.OUT)
    item = maintenance.health().item("printer")
    assert item.status is Status.FAIL and item.summary == "paper out (status mode dle_eot)"
    printing.virtual_printer.set_paper(PaperLevel.NEAR_END)
    assert maintenance.health().item("printer").status is Status.WARN
    printing.virtual_printer.set_paper(PaperLevel.OK)
    printing.virtual_printer.open_cover()
    assert maintenance.health().item("printer").summary == "cover open (status mode dle_eot)"
    printing.virtual_printer.open_cover(False)
    assert maintenance.health().item("printer").status is Status.OK


def test_linkage_server_down_shows(maintenance: Maintenance, server: RunningServer) -> None:
    assert maintenance.health().item("linkage").status is Status.OK
    server.stop()
    item = maintenance.health().item("linkage")
    assert item.status is Status.FAIL and "not reachable" in item.summary


def test_outbox_dead_items_show_and_can_be_retried_or_discarded(
    maintenance: Maintenance, outbox: Outbox, live_settings: Settings
) -> None:
    first = make_dead(outbox, "HTTP 422: payload does not match the Linkage contract")
    second = make_dead(outbox, "too many attempts")
    item = maintenance.health().item("outbox")
    assert item.status is Status.WARN and item.detail["dead"] == 2
    dead = {d.item_id: d.reason for d in maintenance.dead_items()}
    assert dead[first].startswith("HTTP 422") and dead[second] == "too many attempts"

    assert maintenance.retry_dead(first).ok
    assert maintenance.discard_dead(second).ok
    assert not maintenance.discard_dead(second).ok  # already gone: a clear "no such item"
    status = outbox.status_async().result()
    assert status.counts[ItemState.DEAD] == 0
    assert status.counts[ItemState.PENDING] >= 1  # the retried item waits again
    assert {"outbox_retry", "outbox_discard"} <= set(audit_actions(live_settings))


def test_test_print_and_reprint_of_a_failed_job(maintenance: Maintenance,
                                                printing: PrintSystem) -> None:
    ok = maintenance.test_print()
    assert ok.ok, ok.summary
    [receipt] = printing.virtual_printer.wait_for_receipts(1, 10)
    assert receipt.path.is_file()

    printing.virtual_printer.set_paper(PaperLevel.OUT)
    failed = maintenance.test_print()
    assert not failed.ok and failed.detail["printer_state"] == "paper_out"
    jobs = maintenance.failed_print_jobs()
    assert [j.job_id for j in jobs] == [failed.detail["job"]]
    assert maintenance.health().item("printer").detail["failed_jobs"] == 1

    printing.virtual_printer.set_paper(PaperLevel.OK)
    again = maintenance.reprint(failed.detail["job"])
    assert again.ok, again.summary
    assert printing.journal.get(failed.detail["job"]).state is JobState.PRINTED
    assert maintenance.failed_print_jobs() == []


def test_switch_printer_profile_is_used_and_remembered(maintenance: Maintenance,
                                                       live_settings: Settings) -> None:
    names = maintenance.printer_profiles()
    other = next(n for n in names if n != live_settings.printer.profile)
    result = maintenance.switch_printer_profile(other)
    assert result.ok and maintenance.printing is not None
    assert maintenance.printing.profile.name == other
    assert effective_profile_name(live_settings) == other
    assert not maintenance.switch_printer_profile("no-such-printer").ok
    assert maintenance.printing.profile.name == other


def test_test_card_read_shows_masked_fields_only(maintenance: Maintenance) -> None:
    citizen = load_seeds().citizens[0]
    reader = maintenance.card_reader
    assert isinstance(reader, SimulatedCardReader)
    assert not maintenance.test_card_read().ok  # no card yet
    reader.insert(ThaiIdCardEmulator(CardProfile.from_seed(citizen)))
    result = maintenance.test_card_read()
    assert result.ok, result.summary
    assert result.detail["citizen_id"] == mask_cid(citizen.cid)
    text = json.dumps(result.detail, ensure_ascii=False) + result.summary
    assert citizen.cid not in text
    assert not any("\u0e00" <= ch <= "\u0e7f" for ch in text)  # no Thai name or address
    assert citizen.card["en_name"].split()[-1] not in text
    assert maintenance.health().item("card_reader").status is Status.WARN  # not started
    reader.start(lambda event: None)
    try:
        assert maintenance.health().item("card_reader").summary == "1 reader(s), card present"
        reader.remove()
        assert maintenance.health().item("card_reader").summary == "1 reader(s), no card"
    finally:
        reader.stop()


def test_recent_log_and_diagnostics_export(maintenance: Maintenance, tmp_path: Path,
                                           live_settings: Settings) -> None:
    log_dir = live_settings.kiosk.state_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "kiosk.log").write_text("session for 1101700207030 finished\nprinter ok\n")
    lines = maintenance.recent_log()
    assert lines == ["session for 1-1017-xxxxx-xx-0 finished", "printer ok"]
    result = maintenance.export_diagnostics(tmp_path / "usb")
    assert result.ok
    with zipfile.ZipFile(result.detail["path"]) as zf:
        health = json.loads(zf.read("health.json"))
        assert {i["key"] for i in health["items"]} >= {"printer", "linkage", "outbox"}
        assert "1101700207030" not in zf.read("log.txt").decode()
    assert {"view_log", "export_diagnostics"} <= set(audit_actions(live_settings))


def test_restart_calls_the_app_and_is_audited(live_settings: Settings) -> None:
    calls: list[str] = []
    m = Maintenance(live_settings, AuditTrail("TEST-1017-01", audit_file(live_settings)),
                    restart=lambda: calls.append("restart"))
    assert m.restart_app().ok and calls == ["restart"]
    assert not Maintenance(live_settings, m.audit).restart_app().ok
    assert audit_actions(live_settings).count("restart_app") == 2
