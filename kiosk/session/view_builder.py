"""Turns the session's state into the `SessionView` the UI draws (pure: no threads, no I/O)."""

from __future__ import annotations

import dataclasses

from kiosk.session.catalogue import Catalogue
from kiosk.session.holder import SCAN_KEY, UNAVAILABLE_KEY
from kiosk.session.state import ErrorInfo, SessionData
from kiosk.session.view import (
    Alert,
    Connectivity,
    LanguageCode,
    MenuEntry,
    PrintStatus,
    Screen,
    SessionView,
    Text,
)

S = Screen
OUTBOX_HANDLERS = frozenset({"submit_request"})
"""Handlers that put the citizen's request in the outbox. Other queueable ones (the counter
ticket) keep working when the store is unhealthy: they do not write to it."""


def build_menu(catalogue: Catalogue, *, connectivity: Connectivity, queue_accepting: bool,
               printer_ready: bool, holder_verified: bool = False,
               holder_available: bool = True) -> tuple[MenuEntry, ...]:
    offline = connectivity is Connectivity.OFFLINE
    entries = []
    for service in catalogue.enabled:
        reason = None
        if offline and service.online_only:
            reason = "service.unavailable_offline"
        elif service.handler in OUTBOX_HANDLERS and not queue_accepting:
            reason = "service.unavailable_storage"
        elif service.handler == "counter_ticket" and not printer_ready:
            reason = "service.unavailable_printer"
        elif service.requires_holder and not holder_available:
            reason = UNAVAILABLE_KEY  # fail closed: no way to verify, no service
        entries.append(MenuEntry(
            service_id=service.id,
            name=service.name.text(),
            help=service.help.text(),
            available=reason is None,
            reason_key=reason,
            queueable=not service.online_only,
            asks_holder=service.requires_holder and not holder_verified,
        ))
    return tuple(entries)


def progress_key(screen: Screen, session: SessionData | None, end_message: str | None,
                 out_of_service_key: str = "session.no_reader") -> str | None:
    if screen is S.READING:
        return "session.reading_card"
    if screen is S.IDENTITY and session is not None and session.photo_loading:
        return "session.reading_photo"
    if screen is S.RUNNING:
        return "session.running"
    if screen is S.VERIFY_HOLDER:
        return SCAN_KEY
    if screen is S.PRINTING:
        return "session.printing"
    if screen is S.TIMEOUT_WARNING:
        return "session.timeout_warning"
    if screen in (S.FINISHED, S.TAKE_CARD):
        return end_message
    if screen is S.IDLE:
        return "session.insert_card"
    if screen is S.OUT_OF_SERVICE:
        return out_of_service_key
    return None


FAULT_REF_SHOWN = frozenset({Screen.FINISHED, Screen.TAKE_CARD, Screen.IDLE, Screen.OUT_OF_SERVICE})
"""Screens whose view carries the last screen fault's reference (staff read it out)."""


def build_view(
    seq: int,
    *,
    screen: Screen,
    session: SessionData | None,
    catalogue: Catalogue,
    language: LanguageCode,
    queue_accepting: bool,
    return_to: Screen | None,
    error: ErrorInfo | None,
    progress: float | None,
    end_message: str | None,
    countdown: int | None,
    max_extensions: int,
    connectivity: Connectivity,
    print_status: PrintStatus,
    printer_ready: bool,
    printer_reason: str | None,
    alert: Alert,
    alert_id: int,
    holder_available: bool = True,
    fault_ref: str = "",
    out_of_service_key: str = "session.no_reader",
) -> SessionView:
    """The menu is only shown once consent is given; `error` only on the ERROR screen."""
    s = session
    identity = None
    if s is not None and s.card is not None:
        identity = dataclasses.replace(
            s.card.summary, photo=s.photo, photo_loading=s.photo_loading,
            photo_problem=s.photo_problem,
        )
    consent_services: tuple[str, ...] = ()
    consent_names: tuple[Text, ...] = ()
    consent_text = None
    if screen is S.CONSENT or return_to is S.CONSENT:
        consent_services = tuple(x.id for x in catalogue.enabled)
        consent_names = tuple(x.name.text() for x in catalogue.enabled)
        consent_text = catalogue.consent.text()
    shown_error = error if screen is S.ERROR else None
    result = s.outcome.result if s is not None and s.outcome is not None else None
    return SessionView(
        seq=seq,
        session_id=s.id if s is not None else None,
        screen=screen,
        language=language,
        identity=identity,
        menu=build_menu(catalogue, connectivity=connectivity, queue_accepting=queue_accepting,
                        printer_ready=printer_ready, holder_verified=s.holder_verified,
                        holder_available=holder_available)
        if s is not None and s.consent is not None else (),
        consent_services=consent_services,
        consent_text=consent_text,
        consent_names=consent_names,
        selected_service=s.selected if s is not None else None,
        result=result,
        progress=progress if screen in (S.READING, S.IDENTITY) else None,
        progress_key=progress_key(screen, s, end_message, out_of_service_key),
        countdown_s=countdown if screen is S.TIMEOUT_WARNING else None,
        extensions_left=max(0, max_extensions - s.extensions_used) if s else 0,
        error_key=shown_error.key if shown_error else None,
        error_text=shown_error.text if shown_error else None,
        recoverable=shown_error.recoverable if shown_error else True,
        offline=connectivity is Connectivity.OFFLINE,
        connectivity=connectivity,
        print_status=print_status,
        printer_ready=printer_ready,
        printer_reason_key=printer_reason,
        alert=alert,
        alert_id=alert_id,
        previous_screen=return_to if screen is S.TIMEOUT_WARNING else (
            shown_error.back_to if shown_error else None
        ),
        holder_qr=(s.holder_wait.qr_payload or None) if (
            screen is S.VERIFY_HOLDER and s is not None and s.holder_wait is not None) else None,
        holder_short_code=(s.holder_wait.short_code or None) if (
            screen is S.VERIFY_HOLDER and s is not None and s.holder_wait is not None) else None,
        fault_ref=fault_ref if screen in FAULT_REF_SHOWN else "",
    )
