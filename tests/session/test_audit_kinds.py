"""Every audit event the session engine writes has a wire type in the outbox audit: one
without (the ThaID verification's, once) was logged as an error and never reached the
centre."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.services.runners import OutboxAudit

ENGINE = Path(__file__).resolve().parents[2] / "kiosk" / "session" / "engine.py"


def test_every_audit_kind_the_engine_writes_has_a_wire_type() -> None:
    source = ENGINE.read_text("utf-8")
    kinds = set(re.findall(r"_audit_async\(\s*[\w.]+,\s*\"(\w+)\"", source))
    kinds |= set(re.findall(r"AuditEvent\(\s*\"(\w+)\"", source))
    assert {"consent", "holder_verification", "session_end"} <= kinds  # the scan sees the calls
    missing = kinds - OutboxAudit.TYPES.keys()
    assert not missing, f"audit kinds without a wire type: {sorted(missing)}"
