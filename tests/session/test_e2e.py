"""End to end through the real stack: reference Linkage server over mutual TLS, outbox on
SQLite, virtual ESC/POS printer over TCP, the in-process card reader running the real
APDU read plan (the pcscd + vpcd path is in test_e2e_pcsc.py)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.outbox.model import ItemState
from kiosk.receipts.model import Document, Qr, Row
from kiosk.services.slip import RECEIPT_KEYS_FILE, Verdict, read_receipt_keys, verify
from kiosk.session.ports import ConsentRecord, ServiceRequest
from kiosk.session.view import Screen, SessionView
from simulators.seeds import SeedCitizen, load_seeds

from .stack import Stack, active_index, print_and_finish, real_stack, run_service, to_menu

S = Screen
SEEDS = load_seeds()


@pytest.fixture
def stack(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Stack]:
    caplog.set_level(logging.DEBUG)
    with real_stack(tmp_path / "kiosk") as s:
        yield s


def views_of(stack: Stack) -> list[SessionView]:
    seen: list[SessionView] = []
    stack.kiosk.engine.subscribe(seen.append)
    return seen


def remove(stack: Stack) -> None:
    stack.devices.remove()
    stack.kiosk.engine.wait_for(lambda v: v.screen is S.IDLE, 10)


def citizen(index: int) -> SeedCitizen:
    return SEEDS.citizens[index]


def test_card_status_online_read_shown_and_printed(stack: Stack) -> None:
    index = active_index()
    views = views_of(stack)
    v = to_menu(stack, index)
    assert v.identity is not None
    assert v.identity.cid_masked == citizen(index).identity().citizen_id.masked()
    assert all(m.available for m in v.menu) and not v.offline
    v = run_service(stack, "card_status")
    assert v.screen is S.RESULT and v.result is not None
    assert v.result.rows[0].value in ("ใช้งานได้", "Valid")
    print_and_finish(stack, 0)
    remove(stack)
    assert any(x.identity and x.identity.photo for x in views), "photo arrived on screen"


def _request(stack: Stack, index: int, service: str) -> ServiceRequest:
    """A service request as the engine builds it, from the seed card's full identity."""
    identity = citizen(index).identity()
    consent = ConsentRecord("e2e-session", dt.datetime.now(dt.UTC), (service,), (1, 10),
                            identity.citizen_id.masked())
    return ServiceRequest("e2e-session", service, identity.citizen_id.digits, identity,
                          consent, "th", True)


def test_registry_record_runner_signs_a_verifiable_slip(stack: Stack) -> None:
    """The registry runner over the real server; the slip's QR verifies, a forgery not."""
    index = active_index()
    outcome = stack.kiosk.services.registry_record(_request(stack, index, "registry_record"))
    assert outcome.result.status in ("ok", "partial")
    values = [r.value for r in outcome.result.rows]
    assert citizen(index).identity().name_th.first in " ".join(values)
    document = outcome.receipt
    assert isinstance(document, Document)
    qr = next(b for b in document.blocks if isinstance(b, Qr)).data
    assert citizen(index).cid not in qr
    fields = [(b.key, b.value) for b in document.blocks if isinstance(b, Row)]
    data_fields = fields[3:]  # after citizen ID, date and slip number
    keys = read_receipt_keys(stack.root / "pki" / RECEIPT_KEYS_FILE)
    assert verify(qr, keys, fields=data_fields).verdict is Verdict.VALID
    forged = [*data_fields[:-1], (data_fields[-1][0], "แก้ไขแล้ว")]
    assert verify(qr, keys, fields=forged).verdict is Verdict.ALTERED
    outcome_print = stack.kiosk.printing.service.print_receipt("e2e-session", document)
    assert outcome_print.printed


def test_welfare_runner_over_the_real_server(stack: Stack) -> None:
    outcome = stack.kiosk.services.welfare_rights(_request(stack, 0, "welfare_rights"))
    assert outcome.result.rows, "health or welfare rows"
    assert outcome.result.status in ("ok", "partial")


@pytest.mark.parametrize("service", ["registry_record", "welfare_rights"])
def test_query_services_through_the_session(stack: Stack, service: str) -> None:
    """Consent bound to the card read through the APDU path (BP1 request number)."""
    index = active_index()
    to_menu(stack, index)
    v = run_service(stack, service)
    assert v.screen is S.RESULT, v.error_key
    assert v.result is not None and v.result.rows
    if service == "registry_record":
        shown = " ".join(r.value for r in v.result.rows)
        assert citizen(index).identity().name_th.first in shown
        assert v.result.reference  # the slip's serial
    print_and_finish(stack, 0)
    remove(stack)


def test_counter_ticket_and_paper_out_then_refilled(stack: Stack) -> None:
    e = stack.kiosk.engine
    to_menu(stack, 1)
    v = run_service(stack, "counter_ticket")
    assert v.result is not None and re.fullmatch(r"A\d{3}", v.result.reference or "")
    stack.devices.paper(False)
    e.print_result()
    e.sync()
    v = e.wait_for(lambda v: v.screen is S.ERROR, 30)
    assert v.error_key == "printer.paper_out" and v.recoverable
    assert not stack.printer.receipts, "nothing half-printed"
    stack.devices.paper(True)
    e.back()
    e.wait_for(lambda v: v.screen is S.RESULT, 10)
    print_and_finish(stack, 0)
    remove(stack)


def test_offline_request_is_queued_then_delivered_when_network_returns(stack: Stack) -> None:
    e = stack.kiosk.engine
    stack.devices.network(False)
    v = to_menu(stack, 2)
    assert v.offline
    by_id = {m.service_id: m for m in v.menu}
    for online_only in ("registry_record", "card_status", "welfare_rights"):
        assert not by_id[online_only].available
        assert by_id[online_only].reason_key == "service.unavailable_offline"
    v = run_service(stack, "submit_request")
    assert v.screen is S.RESULT and v.result is not None
    assert v.result.status == "queued" and v.result.reference
    print_and_finish(stack, 0)
    remove(stack)
    assert not stack.server.submissions(), "nothing can reach the centre while it is cut off"
    stack.devices.network(True)
    # Wait for the kiosk's own word that the item is delivered, not for the centre's first
    # sight of it: the centre records a key as in flight before it has accepted it.
    deadline = time.monotonic() + 30
    while True:
        counts = stack.kiosk.outbox.status_async().result(10).counts
        if counts.get(ItemState.PENDING, 0) == counts.get(ItemState.IN_FLIGHT, 0) == 0:
            break  # all settled: the request and the audit events queued with it
        assert time.monotonic() < deadline, f"queued request never delivered: {counts}"
        time.sleep(0.05)
    assert counts.get(ItemState.DEAD, 0) == 0, counts
    [stats] = stack.server.submissions().values()
    assert stats.accepted == 1 and stats.state != "in_flight"  # delivered once
    e.wait_for(lambda v: not v.offline, 10)


def test_submit_request_online_and_every_printed_slip_is_complete(stack: Stack) -> None:
    to_menu(stack, 3)
    v = run_service(stack, "submit_request")
    assert v.result is not None and v.result.status == "queued"
    print_and_finish(stack, 0)
    remove(stack)


def test_logs_hold_no_citizen_id_name_or_address(stack: Stack,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    index = active_index()
    to_menu(stack, index)
    run_service(stack, "card_status")
    print_and_finish(stack, 0)
    stack.kiosk.engine.back()
    remove(stack)
    to_menu(stack, 2)
    run_service(stack, "submit_request")
    remove(stack)
    # The query services too, with their printed slips.
    for service in ("registry_record", "welfare_rights"):
        to_menu(stack, index)
        v = run_service(stack, service)
        assert v.screen is S.RESULT, v.error_key
        print_and_finish(stack, len(stack.printer.receipts))
        remove(stack)
    stack.kiosk.engine.sync()
    text = "\n".join(r.getMessage() for r in caplog.records)
    text += "\n".join(str(r.args) for r in caplog.records)
    assert "session" in text and "xxxxx" in text, "the run did log (masked)"
    for i in (index, 2):
        identity = citizen(i).identity()
        assert identity.citizen_id.digits not in text
        assert identity.citizen_id.formatted() not in text
        for part in (identity.name_th.first, identity.name_th.last, identity.name_en.first,
                     identity.name_en.last):
            assert part not in text, "a name reached the logs"
        for line in identity.address.display_lines():
            assert line not in text, "an address reached the logs"


def test_without_a_sender_in_process_the_kiosk_still_knows_it_is_online(tmp_path: Path
                                                                       ) -> None:
    """Under systemd the outbox sender is its own service: the UI process probes itself."""
    with real_stack(tmp_path / "k", start_sender=False) as stack:
        assert stack.kiosk.sender is None
        v = to_menu(stack, active_index())
        assert not v.offline and all(m.available for m in v.menu)
        remove(stack)
        stack.devices.network(False)
        v = to_menu(stack, 1)
        assert v.offline
        assert not {m.service_id: m for m in v.menu}["card_status"].available


def test_consent_reaches_the_centres_audit_trail_with_the_masked_id_only(stack: Stack
                                                                        ) -> None:
    index = active_index()
    to_menu(stack, index)
    run_service(stack, "card_status")
    remove(stack)
    identity = citizen(index).identity()
    deadline = time.monotonic() + 30
    while True:
        events = stack.server.server.store.audit_events_for_admin()
        kinds = {e["type"] for e in events}
        if {"session.consent", "session.service", "session.end"} <= kinds:
            break
        assert time.monotonic() < deadline, f"audit events not delivered: {kinds}"
        time.sleep(0.05)
    consent = next(e for e in events if e["type"] == "session.consent")
    assert consent["masked_id"] == identity.citizen_id.masked()
    assert consent["kiosk_id"] == "TEST-1017-01" and 1 in consent["services"]
    assert identity.citizen_id.digits not in repr(events)
