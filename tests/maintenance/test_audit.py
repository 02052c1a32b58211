"""Maintenance actions reach the audit trail: local JSONL, metrics and the audit port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.appliance import metrics
from kiosk.maintenance.audit import AuditTrail
from kiosk.session.ports import AuditEvent


class RecordingPort:
    """Stands in for the outbox-backed audit port of the composition root."""

    def __init__(self, fail: bool = False) -> None:
        self.events: list[AuditEvent] = []
        self.fail = fail

    def record(self, event: AuditEvent) -> None:
        if self.fail:
            raise OSError("disk full")
        self.events.append(event)


def test_action_goes_to_file_port_and_metrics(tmp_path: Path) -> None:
    port = RecordingPort()
    trail = AuditTrail("TEST-1017-01", tmp_path / "audit.jsonl", port=port)
    before = metrics.default.maintenance_actions.labels("reprint")._value.get()
    trail.record("reprint", "ok", job="job-7")
    line = json.loads(trail.recent()[-1])
    assert line["action"] == "reprint" and line["job"] == "job-7" and line["outcome"] == "ok"
    assert (tmp_path / "audit.jsonl").stat().st_mode & 0o077 == 0
    [event] = port.events
    assert event.kind == "maintenance.reprint" and event.cid_masked == ""
    assert event.details == {"outcome": "ok", "job": "job-7"}
    assert metrics.default.maintenance_actions.labels("reprint")._value.get() == before + 1


def test_failing_port_keeps_the_local_line(tmp_path: Path) -> None:
    trail = AuditTrail("TEST-1017-01", tmp_path / "audit.jsonl", port=RecordingPort(fail=True))
    trail.record("restart_app")
    assert json.loads(trail.recent()[-1])["action"] == "restart_app"


def test_free_text_and_ids_are_not_kept(tmp_path: Path) -> None:
    trail = AuditTrail("TEST-1017-01", tmp_path / "audit.jsonl")
    trail.record("outbox_discard", "ok", reason="สมชาย asked", ref="1101700207030")
    line = json.loads(trail.recent()[-1])
    assert line["reason"] == "[omitted]" and line["ref"] == "[omitted]"
    with pytest.raises(ValueError):
        trail.record("Bad Action!")
