"""Maintenance actions reach the audit trail: local JSONL, metrics and the real outbox."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kiosk.appliance import metrics
from kiosk.config import Settings
from kiosk.linkage.models import AuditEvent
from kiosk.maintenance.audit import AuditTrail
from kiosk.outbox.model import ItemKind, ItemState

from .helpers import open_outbox


def test_action_goes_to_file_metrics_and_outbox(tmp_path: Path, settings: Settings) -> None:
    outbox = open_outbox(settings)
    try:
        trail = AuditTrail(settings.kiosk.id, tmp_path / "audit.jsonl", outbox=outbox)
        before = metrics.default.maintenance_actions.labels("reprint")._value.get()
        trail.record("reprint", "ok", job="job-7")
        line = json.loads(trail.recent()[-1])
        assert line["action"] == "reprint" and line["job"] == "job-7"
        assert line["outcome"] == "ok" and line["kiosk"] == settings.kiosk.id
        assert (tmp_path / "audit.jsonl").stat().st_mode & 0o077 == 0
        assert metrics.default.maintenance_actions.labels("reprint")._value.get() == before + 1
        # The event is durably queued as an AUDIT item in the Linkage contract's shape.
        deadline = time.monotonic() + 10
        while outbox.status_async().result().counts[ItemState.PENDING] < 1:
            assert time.monotonic() < deadline, "audit item never queued"
            time.sleep(0.02)
        [item] = outbox.call(lambda s: s.claim("test-lease", 10), writes=True)
    finally:
        outbox.close()
    assert item.kind is ItemKind.AUDIT
    event = AuditEvent.model_validate_json(item.payload)
    assert event.type == "maintenance.reprint" and event.outcome == "ok"
    assert event.maskedID is None and event.kioskID == settings.kiosk.id


def test_closed_outbox_keeps_the_local_line(tmp_path: Path, settings: Settings) -> None:
    outbox = open_outbox(settings)
    outbox.close()
    trail = AuditTrail(settings.kiosk.id, tmp_path / "audit.jsonl", outbox=outbox)
    trail.record("restart_app")
    assert json.loads(trail.recent()[-1])["action"] == "restart_app"


def test_free_text_and_ids_are_not_kept(tmp_path: Path) -> None:
    trail = AuditTrail("TEST-1017-01", tmp_path / "audit.jsonl")
    trail.record("outbox_discard", "ok", reason="สมชาย asked", ref="1101700207030")
    line = json.loads(trail.recent()[-1])
    assert line["reason"] == "[omitted]" and line["ref"] == "[omitted]"
    with pytest.raises(ValueError):
        trail.record("Bad Action!")
