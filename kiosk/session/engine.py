"""The session engine: the pure core (`kiosk.session.core`) run by its shell
(`kiosk.session.shell`). `SessionEngine` keeps the name the composition root, the tests
and the benches use."""

from __future__ import annotations

from kiosk.session.shell import SessionShell
from kiosk.session.timeouts import Timeouts
from kiosk.session.transitions import TRANSITIONS, WAITING_FOR_CITIZEN, WORKING
from kiosk.session.view_builder import OUTBOX_HANDLERS

SessionEngine = SessionShell

__all__ = ["OUTBOX_HANDLERS", "TRANSITIONS", "WAITING_FOR_CITIZEN", "WORKING", "SessionEngine",
           "Timeouts"]
