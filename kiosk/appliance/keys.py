"""The outbox service's first start: the client keys it needs before it can deliver.

A demo kiosk makes its keys itself (`kiosk.linkage.pki.ensure_demo_pki`, under the PKI
lock the UI and the reference server take too), so it never depends on which unit started
first. A production kiosk waits for the technician to put them in place: the service is
up (READY=1), says what it waits for (``systemctl status``, ``STATUS=``) and keeps pinging
the watchdog, instead of failing its first start and burning its start limit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.config import Settings

log = logging.getLogger(__name__)
POLL_S = 2.0


def required_keys(settings: Settings) -> tuple[Path, ...]:
    link = settings.linkage
    return (link.ca_file, link.client_cert_file, link.client_key_file)


def missing_keys(settings: Settings) -> tuple[Path, ...]:
    return tuple(p for p in required_keys(settings) if not p.is_file())


def wait_for_keys(settings: Settings, tick: Callable[[], None], stopping: Callable[[], bool],
                  *, status: Callable[[str], object] = lambda _text: None,
                  wake: threading.Event | None = None) -> bool:
    """True once the keys exist (made now in a demo); False when asked to stop first."""
    if settings.demo.enabled:
        from kiosk.linkage.pki import ensure_demo_pki
        from kiosk.outbox.crypto import ensure_outbox_key

        ensure_demo_pki(settings)
        ensure_outbox_key(settings.outbox)
    wake = wake or threading.Event()
    told = False
    while missing := missing_keys(settings):
        if stopping():
            return False
        if not told:
            names = ", ".join(str(p) for p in missing)
            log.warning("waiting for the client keys before delivering: %s missing", names)
            status(f"waiting for the client keys: {names}")
            told = True
        tick()
        wake.wait(POLL_S)
    return not stopping()
