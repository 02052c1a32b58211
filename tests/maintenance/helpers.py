"""Real services for maintenance tests: an outbox on a tmp SQLite file."""

from __future__ import annotations

from kiosk.config import Settings
from kiosk.outbox.crypto import ensure_outbox_key
from kiosk.outbox.service import Outbox


def open_outbox(settings: Settings) -> Outbox:
    ensure_outbox_key(settings.outbox)
    outbox = Outbox(settings.outbox, settings.kiosk.id)
    outbox.wait_open(10)
    return outbox
