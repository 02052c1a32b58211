"""Issue 5: when the outbox cannot store (disk full, read-only, corrupt) the menu stops
offering the service that enqueues, with a reason the citizen understands; it comes back
when the store recovers. Other services are not affected.

The in-memory port checks the engine's rule; the last test uses a real `Outbox` on a real
SQLite file made "full" with SQLite's own ``max_page_count`` (as tests/outbox/test_health.py
does when it may not mount a small tmpfs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config.settings import OutboxSettings
from kiosk.outbox import service as outbox_service
from kiosk.outbox.crypto import ensure_outbox_key
from kiosk.outbox.health import OutboxUnavailable, StoreHealth
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.service import Outbox
from kiosk.services.adapters import OutboxQueueHealth
from kiosk.session.catalogue import Catalogue
from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.messages import MESSAGES
from kiosk.session.ports import QueueHealthPort, StaticQueueHealth
from kiosk.session.view import MenuEntry, Screen, SessionView
from simulators.session_ports import ManualClock, StaticConnectivity

from .conftest import Audit, Rig, SimCard, SimHolder, SimPrinter, SimServices

STORAGE = "service.unavailable_storage"


def _rig(catalogue: Catalogue, queue_health: QueueHealthPort | None) -> Rig:
    card, services, printer, audit = SimCard(), SimServices(), SimPrinter(), Audit()
    clock, net, holder = ManualClock(), StaticConnectivity(), SimHolder()
    engine = SessionEngine(
        card=card, runners=services.runners(), printer=printer, connectivity=net,
        audit=audit, catalogue=catalogue, clock=clock, kiosk_id="TEST-0001",
        timeouts=Timeouts(), queue_health=queue_health, holder=holder,
    )
    clock.settle = engine.sync
    views: list[SessionView] = []
    engine.subscribe(views.append)
    engine.start()
    engine.sync()
    return Rig(engine, card, services, printer, audit, clock, net, views, holder)


@pytest.fixture
def health() -> StaticQueueHealth:
    return StaticQueueHealth(accepting=True)


@pytest.fixture
def rig_q(catalogue: Catalogue, health: StaticQueueHealth) -> Iterator[Rig]:
    rig = _rig(catalogue, health)
    try:
        yield rig
    finally:
        rig.engine.stop()


def _by_id(view: SessionView) -> dict[str, MenuEntry]:
    return {m.service_id: m for m in view.menu}


def test_not_accepting_makes_only_the_submit_service_unavailable_and_recovers(
    rig_q: Rig, health: StaticQueueHealth
) -> None:
    v = rig_q.to_menu()
    assert all(m.available for m in v.menu)

    health.set(False)  # from this (test) thread, as an outbox worker would
    v = rig_q.engine.wait_for(lambda v: not _by_id(v)["submit_request"].available)
    entries = _by_id(v)
    assert entries["submit_request"].reason_key == STORAGE
    others = [m for sid, m in entries.items() if sid != "submit_request"]
    assert others and all(m.available and m.reason_key is None for m in others)
    assert entries["counter_ticket"].available  # queueable, but does not use the outbox

    rig_q.engine.choose_service("submit_request")  # unavailable: ignored, no runner call
    rig_q.engine.sync()
    assert rig_q.engine.view.screen is Screen.MENU
    assert not rig_q.services.calls

    health.set(True)
    v = rig_q.engine.wait_for(lambda v: _by_id(v)["submit_request"].available)
    assert _by_id(v)["submit_request"].reason_key is None
    rig_q.engine.choose_service("submit_request")
    rig_q.wait(Screen.RESULT)
    assert [c.service_id for c in rig_q.services.calls] == ["submit_request"]


def test_unhealthy_at_start_is_shown_on_the_first_menu(catalogue: Catalogue) -> None:
    rig = _rig(catalogue, StaticQueueHealth(accepting=False))
    try:
        entry = _by_id(rig.to_menu())["submit_request"]
        assert not entry.available and entry.reason_key == STORAGE
    finally:
        rig.engine.stop()


def test_without_a_port_the_engine_assumes_the_store_accepts(catalogue: Catalogue) -> None:
    rig = _rig(catalogue, None)
    try:
        assert all(m.available for m in rig.to_menu().menu)
    finally:
        rig.engine.stop()


def test_the_reason_has_a_citizen_text_in_both_languages() -> None:
    text = MESSAGES[STORAGE]
    assert "ตู้" in text.th and "counter" in text.en


def _outbox_settings(directory: Path) -> OutboxSettings:
    settings = OutboxSettings.model_validate({
        "database": directory / "outbox.sqlite3",
        "key_file": directory / "outbox.key",
    })
    ensure_outbox_key(settings)
    return settings


def test_a_real_full_outbox_takes_the_submit_service_off_the_menu(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_service, "RECHECK_INTERVAL_S", 0.2)
    outbox = Outbox(_outbox_settings(tmp_path), "TEST-0001")
    try:
        adapter = OutboxQueueHealth(outbox)
        assert adapter.accepting()
        rig = _rig(catalogue, adapter)
        try:
            assert _by_id(rig.to_menu())["submit_request"].available
            # SQLite's own limit makes the store report SQLITE_FULL (a real disk-full path).
            outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 120"))
            stored = []
            with pytest.raises(OutboxUnavailable) as refused:
                for _ in range(200):
                    stored.append(outbox.enqueue(ItemKind.SUBMISSION, os.urandom(20_000)))
            assert stored and refused.value.health is StoreHealth.DISK_FULL
            assert not adapter.accepting()
            # The outbox's health callback arrives on its worker; the engine reposts it.
            v = rig.engine.wait_for(lambda v: not _by_id(v)["submit_request"].available, 10)
            assert _by_id(v)["submit_request"].reason_key == STORAGE
            assert _by_id(v)["card_status"].available

            outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 100000"))
            # Nobody writes (the menu no longer offers it): the periodic re-check notices.
            rig.engine.wait_for(lambda v: _by_id(v)["submit_request"].available, 10)
            assert adapter.accepting()
            states = {outbox.call(lambda s, i=r.item_id: s.item_state(i)) for r in stored}
            assert states == {ItemState.PENDING}  # nothing already stored was lost
        finally:
            rig.engine.stop()
    finally:
        outbox.close()


def test_a_store_that_fills_after_the_menu_refuses_with_the_citizen_text(
    tmp_path: Path,
) -> None:
    """Between the menu and the tap the disk can fill: the runner answers in plain words."""
    import datetime as dt

    from cryptography.hazmat.primitives.asymmetric import ed25519

    from kiosk.services.runners import KioskServices, TicketCounter
    from kiosk.services.slip import SlipSigner
    from kiosk.session.ports import ConsentRecord, ServiceRequest, SessionPortError

    outbox = Outbox(_outbox_settings(tmp_path), "TEST-0001")
    try:
        outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 120"))
        with pytest.raises(OutboxUnavailable):
            for _ in range(200):
                outbox.enqueue(ItemKind.SUBMISSION, os.urandom(20_000))
        services = KioskServices(
            linkage=None,  # type: ignore[arg-type]  # a submission never queries
            outbox=outbox,
            signer=SlipSigner(ed25519.Ed25519PrivateKey.generate(), "TEST-0001"),
            tickets=TicketCounter(tmp_path / "tickets.json"),
            kiosk_id="TEST-0001",
            office_code="1017",
        )
        now = dt.datetime.now(dt.UTC)
        request = ServiceRequest(
            session_id="s1", service_id="submit_request", cid="1101700207030",
            identity=None,
            consent=ConsentRecord("s1", now, ("submit_request",), (10,), "1-1017-xxxxx-xx-0"),
            language="th", online=True,
        )
        with pytest.raises(SessionPortError) as refused:
            services.submit_request(request)
        assert refused.value.message_key == STORAGE
        assert "disk_full" in str(refused.value)  # the cause stays for the technician log
    finally:
        outbox.close()
