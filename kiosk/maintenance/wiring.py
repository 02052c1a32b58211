"""Build a `Maintenance` from the configuration alone (the CLI, a technician's shell).

The running app hands its own live objects to `Maintenance` instead; this is for a second
process on the same kiosk. A service that cannot be opened (missing key, broken config)
does not stop the rest: it shows up as a FAIL health item saying why.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from kiosk.config import Settings
from kiosk.maintenance.actions import Maintenance, effective_profile_name
from kiosk.maintenance.audit import AuditTrail
from kiosk.maintenance.health import HealthItem, Status
from kiosk.maintenance.paths import audit_file
from kiosk.maintenance.scrub import scrub

if TYPE_CHECKING:
    from kiosk.linkage.client import LinkageClient
    from kiosk.printing.setup import VirtualPrinterFactory

log = logging.getLogger(__name__)


def _failed(key: str, what: str, exc: BaseException) -> Callable[[], HealthItem]:
    text = scrub(f"{exc.__class__.__name__}: {exc}")[:300]
    return lambda: HealthItem(key, Status.FAIL, f"{what} cannot be opened: {text}")


@contextlib.contextmanager
def open_maintenance(settings: Settings, *, printer: bool = True, outbox: bool = True,
                     linkage: bool = True, virtual_printer: VirtualPrinterFactory | None = None,
                     ) -> Iterator[Maintenance]:
    """``virtual_printer``: the demo's printer, from the composition root (see
    :func:`kiosk.printing.setup.open_printing`)."""
    closers: list[Callable[[], Any]] = []
    extra: dict[str, Callable[[], HealthItem]] = {}
    print_service = None
    box = None
    factory = None
    try:
        if printer:
            try:
                from kiosk.printing.setup import open_printing

                system = open_printing(settings, virtual=virtual_printer)
                closers.append(system.close)
                print_service = system.service
                wanted = effective_profile_name(settings)
                if wanted != print_service.profile.name:
                    from kiosk.receipts.profiles import load_profile

                    print_service.profile = load_profile(settings.printer.profiles_file, wanted)
            except Exception as exc:  # config or device trouble: report, do not stop
                extra["printer"] = _failed("printer", "printer", exc)
        if outbox:
            try:
                from kiosk.outbox.service import Outbox

                box = Outbox(settings.outbox, settings.kiosk.id)
                closers.append(box.close)
            except Exception as exc:
                extra["outbox"] = _failed("outbox", "outbox", exc)
        if linkage:
            factory = _cached_client(settings, closers)
        audit = AuditTrail(settings.kiosk.id, audit_file(settings), outbox=box)
        yield Maintenance(settings, audit, printing=print_service, outbox=box,
                          linkage_factory=factory, extra_probes=extra)
    finally:
        for close in reversed(closers):
            try:
                close()
            except Exception:
                log.exception("closing a maintenance resource failed")


def _cached_client(settings: Settings, closers: list[Callable[[], Any]]
                   ) -> Callable[[], LinkageClient]:
    lock = threading.Lock()
    made: list[LinkageClient] = []

    def factory() -> LinkageClient:
        from kiosk.linkage.client import LinkageClient

        with lock:
            if not made:
                made.append(LinkageClient.from_settings(settings, retry=_one_try(settings)))
                closers.append(made[0].close)
            return made[0]
    return factory


def _one_try(settings: Settings) -> Any:
    # A health probe wants the current answer, not the client's patient retries.
    from kiosk.linkage.retry import RetryPolicy

    return RetryPolicy(max_attempts=1, total_s=settings.linkage.total_timeout_s)
