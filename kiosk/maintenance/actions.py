"""What a technician can do, as plain Python: the Kivy menu and the CLI both call this.

`Maintenance` wraps the kiosk's live objects (card reader, print service, outbox, Linkage
client factory); any of them may be missing (a CLI that did not open the printer), and the
matching action then answers "not available" instead of failing. Every action is
recorded in the audit trail with its outcome, never with citizen data; every call may
block (device I/O), so the UI runs them on a worker thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import Settings
from kiosk.maintenance import diagnostics, health, probes
from kiosk.maintenance.audit import AuditTrail
from kiosk.maintenance.health import HealthReport, Probe
from kiosk.maintenance.scrub import scrub

if TYPE_CHECKING:
    from drivers.card.protocol import CardReader
    from kiosk.linkage.client import LinkageClient
    from kiosk.outbox.model import DeadItem
    from kiosk.outbox.service import Outbox
    from kiosk.printing.journal import JobRecord
    from kiosk.printing.service import PrintOutcome, PrintService
    from kiosk.receipts.model import Document

log = logging.getLogger(__name__)

JOURNAL_UNITS = ("linkage-kiosk.service", "linkage-kiosk-outbox.service")


@dataclass(frozen=True)
class ActionResult:
    action: str
    ok: bool
    summary: str
    """One line for the technician; never personal data."""
    detail: dict[str, str] = field(default_factory=dict)


@dataclass
class Maintenance:
    settings: Settings
    audit: AuditTrail
    card_reader: CardReader | None = None
    printing: PrintService | None = None
    outbox: Outbox | None = None
    linkage_factory: Callable[[], LinkageClient] | None = None
    restart: Callable[[], None] | None = None
    """Ends the app; systemd (Restart=always) starts it again."""
    log_files: Sequence[Path] | None = None
    health_timeout_s: float = 3.0
    extra_probes: dict[str, Probe] = field(default_factory=dict)
    """More health items (e.g. a FAIL for a service that could not even be opened)."""

    # -- health -----------------------------------------------------------------------------

    def probes(self) -> dict[str, Probe]:
        found: dict[str, Probe] = {}
        if self.card_reader is not None:
            found["card_reader"] = probes.card_reader_probe(self.card_reader)
        if self.printing is not None:
            found["printer"] = probes.printer_probe(self.printing)
        if self.linkage_factory is not None:
            found["linkage"] = probes.linkage_probe(self.linkage_factory)
            link = self.settings.linkage
            found["certificates"] = probes.certificate_probe(
                {"client_certificate": link.client_cert_file, "ca": link.ca_file})
        if self.outbox is not None:
            found["outbox"] = probes.outbox_probe(self.outbox)
            found["outbox_loss"] = probes.outbox_loss_probe(self.outbox)
        found.update(self.extra_probes)
        found["disk"] = health.disk_probe(self.settings.kiosk.state_dir)
        found["units"] = health.parts_probe(self.settings.kiosk.state_dir)
        found["sender"] = health.sender_probe(self.settings.kiosk.state_dir)
        found["vpcd"] = health.vpcd_probe()
        found.setdefault("audio", health.audio_probe(self.settings))
        found["version"] = health.version_probe
        found["uptime"] = health.uptime_probe
        return found

    def health(self) -> HealthReport:
        return health.gather(self.probes(), timeout_s=self.health_timeout_s)

    # -- card -------------------------------------------------------------------------------

    def test_card_read(self) -> ActionResult:
        """Read the inserted card; show only masked or non-personal facts about it."""
        if self.card_reader is None:
            return self._unavailable("test_card_read", "card reader")
        from drivers.card.protocol import CardError, CardState

        readers = [r for r in self.card_reader.readers()
                   if self.card_reader.card_state(r) is CardState.PRESENT]
        if not readers:
            return self._done("test_card_read", False, "no card in the reader")
        try:
            ident = self.card_reader.read_identity(readers[0])
        except CardError as exc:
            return self._done("test_card_read", False, f"read failed: {exc.reason}",
                              {"message_key": exc.message_key})
        from kiosk.domain.thai_date import is_expired

        expiry = ident.expiry_date
        expired = is_expired(expiry, dt.date.today())
        detail = {
            "citizen_id": ident.citizen_id.masked(),
            "card_version": scrub(str(ident.card_version)),
            "name_th": "read" if str(ident.name_th) else "empty",
            "name_en": "read" if str(ident.name_en) else "empty",
            "address": "read" if str(ident.address) else "empty",
            "expiry": "lifelong" if expiry.lifelong else ("expired" if expired else "valid"),
            "reader": scrub(readers[0])[:60],
        }
        return self._done("test_card_read", True, f"card read OK: {detail['citizen_id']}",
                          detail, audit_detail={"outcome_detail": "read"})

    # -- printer ----------------------------------------------------------------------------

    def test_print(self) -> ActionResult:
        if self.printing is None:
            return self._unavailable("test_print", "printer")
        page = printer_test_page(self.settings.kiosk.id, self.printing.profile.name)
        outcome = self.printing.print_receipt("maintenance", page, kind="test_print")
        return self._print_result("test_print", outcome)

    def failed_print_jobs(self) -> list[JobRecord]:
        return [] if self.printing is None else self.printing.failed_jobs()

    def reprint(self, job_id: str) -> ActionResult:
        if self.printing is None:
            return self._unavailable("reprint", "printer")
        return self._print_result("reprint", self.printing.reprint(job_id), job=job_id)

    def printer_profiles(self) -> list[str]:
        from kiosk.receipts.profiles import load_profiles

        return sorted(load_profiles(self.settings.printer.profiles_file))

    def switch_printer_profile(self, name: str) -> ActionResult:
        """Use another profile now, and after a restart (an override file in the state dir)."""
        if self.printing is None:
            return self._unavailable("switch_printer_profile", "printer")
        from kiosk.config import ConfigError
        from kiosk.receipts.profiles import load_profile

        try:
            profile = load_profile(self.settings.printer.profiles_file, name)
        except ConfigError:
            return self._done("switch_printer_profile", False, "unknown printer profile",
                              audit_detail={"profile": "unknown"})
        previous = self.printing.profile.name
        self.printing.profile = profile
        write_profile_override(self.settings, name)
        return self._done("switch_printer_profile", True,
                          f"printer profile {previous} -> {name}",
                          {"profile": name}, audit_detail={"profile": name, "previous": previous})

    # -- outbox -----------------------------------------------------------------------------

    def dead_items(self) -> tuple[DeadItem, ...]:
        if self.outbox is None:
            return ()
        return self.outbox.status_async().result(timeout=10).dead

    def retry_dead(self, item_id: str) -> ActionResult:
        return self._outbox_change("outbox_retry", item_id, lambda s: s.retry_dead(item_id))

    def discard_dead(self, item_id: str) -> ActionResult:
        return self._outbox_change("outbox_discard", item_id, lambda s: s.discard_dead(item_id))

    def _outbox_change(self, action: str, item_id: str, work: Callable[..., None]
                       ) -> ActionResult:
        if self.outbox is None:
            return self._unavailable(action, "outbox")
        from kiosk.outbox.store import StoreError

        try:
            self.outbox.call(work, writes=True)
        except StoreError:
            return self._done(action, False, "no such dead item", audit_detail={"item": item_id})
        return self._done(action, True, f"{action.replace('outbox_', '')} done",
                          {"item": item_id}, audit_detail={"item": item_id})

    # -- logs, diagnostics, restart ---------------------------------------------------------

    def recent_log(self, limit: int = 200) -> list[str]:
        files = (diagnostics.default_log_files(self.settings) if self.log_files is None
                 else self.log_files)
        lines = diagnostics.recent_log_lines(files, limit=limit, journal_units=JOURNAL_UNITS)
        self.audit.record("view_log")
        return lines

    def diagnostics_dir(self) -> Path:
        return (self.settings.technician.diagnostics_dir
                or self.settings.kiosk.state_dir / "diagnostics")

    def export_diagnostics(self, target_dir: Path | None = None) -> ActionResult:
        target_dir = target_dir or self.diagnostics_dir()
        report = self.health()
        try:
            bundle = diagnostics.build_bundle(
                self.settings, report, target_dir, log_files=self.log_files,
                audit_lines=self.audit.recent(), journal_units=JOURNAL_UNITS)
        except OSError as exc:
            return self._done("export_diagnostics", False,
                              f"cannot write to {target_dir}: {exc.strerror}")
        return self._done("export_diagnostics", True, f"written {bundle}",
                          {"path": str(bundle)}, audit_detail={"file": bundle.name})

    def restart_app(self) -> ActionResult:
        result = self._done("restart_app", self.restart is not None,
                            "restarting" if self.restart else "restart not available here")
        if self.restart is not None:
            self.restart()
        return result

    def enter(self, via: str) -> None:
        self.audit.record("enter", "ok", via=via)

    def leave(self) -> None:
        self.audit.record("leave")

    # -- helpers ----------------------------------------------------------------------------

    def _print_result(self, action: str, outcome: PrintOutcome, **audit: str) -> ActionResult:
        from kiosk.printing import messages

        state = outcome.printer_state.value
        text = messages.technician(outcome.message_key)
        return self._done(action, outcome.printed,
                          f"{'printed' if outcome.printed else 'not printed'}: {text}",
                          {"job": outcome.job_id, "printer_state": state},
                          audit_detail={**audit, "printer_state": state})

    def _unavailable(self, action: str, what: str) -> ActionResult:
        return ActionResult(action, False, f"{what} not available in this process")

    def _done(self, action: str, ok: bool, summary: str, detail: dict[str, str] | None = None,
              *, audit_detail: dict[str, str] | None = None) -> ActionResult:
        self.audit.record(action, "ok" if ok else "failed", **(audit_detail or {}))
        return ActionResult(action, ok, summary, detail or {})


def printer_test_page(kiosk_id: str, profile: str) -> Document:
    """A short test receipt: Thai shaping, a QR, the cutter; no personal data."""
    from kiosk.receipts.model import Cut, Document, Paragraph, Qr, Row, Separator, Title

    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return Document(language="th", blocks=(
        Title(text="ทดสอบเครื่องพิมพ์ / Printer test"),
        Paragraph(text="ภาษาไทย: ก่ ก้ ก๊ ก๋ กิ กี กึ กื กุ กู เก็บ น้ำ ปู่", align="left"),
        Separator(),
        Row(key="Kiosk", value=kiosk_id),
        Row(key="Profile", value=profile),
        Row(key="Time", value=now),
        Qr(data=f"TEST {kiosk_id} {now}", caption="QR test"),
        Cut(),
    ))


def profile_override_file(settings: Settings) -> Path:
    return settings.kiosk.state_dir / "printer-profile.override"


def write_profile_override(settings: Settings, name: str) -> None:
    path = profile_override_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, path)


def effective_profile_name(settings: Settings) -> str:
    """The configured profile, unless a technician switched it on the maintenance menu."""
    try:
        name = profile_override_file(settings).read_text(encoding="utf-8").strip()
    except OSError:
        return settings.printer.profile
    return name or settings.printer.profile
