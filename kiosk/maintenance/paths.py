"""Where the maintenance core keeps its own state, derived from the configuration."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings


def lockout_file(settings: Settings) -> Path:
    """Failed PIN tries survive a restart: kept in the state dir, not in memory."""
    return settings.kiosk.state_dir / "technician-lockout.json"


def audit_file(settings: Settings) -> Path:
    """Local copy of the maintenance audit trail (no citizen data)."""
    return settings.kiosk.state_dir / "maintenance-audit.jsonl"
