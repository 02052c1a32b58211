"""Every audit event the session engine writes has a wire type in the outbox audit: one
without (the ThaID verification's, once) was logged as an error and never reached the
centre."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.services.runners import OutboxAudit

CORE = Path(__file__).resolve().parents[2] / "kiosk" / "session" / "core"


def test_every_audit_kind_the_engine_writes_has_a_wire_type() -> None:
    source = "\n".join(p.read_text("utf-8") for p in sorted(CORE.glob("*.py")))
    kinds = set(re.findall(r"\.audit\(\s*\"(\w+)\"", source))
    kinds |= set(re.findall(r"AuditEvent\(\s*\"(\w+)\"", source))
    # the scan sees the calls:
    assert {"consent", "holder_verification", "session_end", "ui_fault"} <= kinds
    missing = kinds - OutboxAudit.TYPES.keys()
    assert not missing, f"audit kinds without a wire type: {sorted(missing)}"
