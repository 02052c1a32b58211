"""Issue 16: with the disk full, storage faults degrade exactly what they must.

The chosen approach (documented on `OutboxAudit`): audit events the outbox cannot write are
held in memory, in order, and written once it can; so the consent is recorded and every
online service still works, while the service that needs the outbox leaves the menu. Real
parts: a real `Outbox` on a real SQLite file made full with SQLite's ``max_page_count``,
the real `OutboxAudit` and `OutboxQueueHealth` adapters, the real session engine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk.outbox.health import OutboxUnavailable
from kiosk.outbox.model import ItemKind
from kiosk.outbox.service import Outbox
from kiosk.services import runners
from kiosk.services.adapters import OutboxQueueHealth
from kiosk.services.runners import OutboxAudit
from kiosk.session.catalogue import Catalogue
from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.view import Screen
from simulators.session_ports import ManualClock, StaticConnectivity

from .conftest import Audit, Rig, SimCard, SimHolder, SimPrinter, SimServices
from .test_queue_health import _by_id, _outbox_settings


def _fill(outbox: Outbox) -> None:
    outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 120"))
    with pytest.raises(OutboxUnavailable):
        for _ in range(200):
            outbox.enqueue(ItemKind.SUBMISSION, os.urandom(20_000))


def _audit_types(outbox: Outbox) -> list[str]:
    def read(store: object) -> list[str]:
        rows = store._conn.execute(  # type: ignore[attr-defined]
            "SELECT id, idempotency_key, payload FROM items WHERE kind = 'audit' ORDER BY id"
        ).fetchall()
        return [json.loads(store._sealer.open(i, k, p))["type"]  # type: ignore[attr-defined]
                for i, k, p in rows]
    return outbox.call(read)


def _engine(catalogue: Catalogue, outbox: Outbox, audit: OutboxAudit) -> Rig:
    card, services, printer = SimCard(), SimServices(), SimPrinter()
    clock, net, holder = ManualClock(), StaticConnectivity(), SimHolder()
    engine = SessionEngine(
        card=card, runners=services.runners(), printer=printer, connectivity=net,
        audit=audit, catalogue=catalogue, clock=clock, kiosk_id="TEST-0001",
        timeouts=Timeouts(), queue_health=OutboxQueueHealth(outbox), holder=holder,
    )
    clock.settle = engine.sync
    engine.start()
    engine.sync()
    return Rig(engine, card, services, printer, Audit(), clock, net, [], holder)


def test_a_full_disk_never_shows_a_service_that_will_fail_for_it(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    outbox = Outbox(_outbox_settings(tmp_path), "TEST-0001")
    audit = OutboxAudit(outbox, "TEST-0001")
    rig = _engine(catalogue, outbox, audit)
    try:
        _fill(outbox)
        offered = [sid for sid, m in _by_id(rig.to_menu(1)).items() if m.available]
        assert "submit_request" not in offered  # needs the outbox: off the menu
        assert {"registry_record", "card_status"} <= set(offered)  # online: still offered
        rig.card.remove()
        rig.wait(Screen.IDLE)
        for n, service in enumerate(offered, start=2):
            rig.to_menu(n)
            rig.engine.choose_service(service)
            view = rig.engine.wait_for(lambda v: v.screen in (Screen.RESULT, Screen.ERROR))
            assert view.screen is Screen.RESULT, service
            rig.card.remove()
            rig.wait(Screen.IDLE)
        assert audit.held > 0  # consent and service events wait in memory, in order

        outbox.call(lambda s: s._conn.execute("PRAGMA max_page_count = 100000"))
        outbox.recheck().result(timeout=30)
        rig.to_menu(99)  # the next event writes the held ones first, then itself
        rig.engine.choose_service("card_status")  # a query waits until consent is recorded
        rig.wait(Screen.RESULT)
        assert audit.held == 0
        types = _audit_types(outbox)  # the store had none before the disk filled
        assert types[0] == "session.consent"  # held in order, the first session's first
        assert types.count("session.consent") == len(offered) + 2  # none lost
    finally:
        rig.engine.stop()
        outbox.close()


def test_a_full_hold_refuses_instead_of_dropping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from kiosk.session.ports import AuditEvent

    monkeypatch.setattr(runners, "AUDIT_HOLD_EVENTS", 3)
    outbox = Outbox(_outbox_settings(tmp_path), "TEST-0001")
    try:
        _fill(outbox)
        audit = OutboxAudit(outbox, "TEST-0001")
        event = AuditEvent("consent", dt.datetime.now(dt.UTC), "s1", "1-1017-xxxxx-xx-0", {})
        for _ in range(3):
            audit.record(event)
        with pytest.raises(OutboxUnavailable):
            audit.record(event)
        assert audit.held == 3
    finally:
        outbox.close()
