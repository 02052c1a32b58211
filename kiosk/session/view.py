"""What the UI renders and what it may ask: the session's immutable view model.

The session engine publishes a new `SessionView` on every change; the UI only draws it and
sends the commands of `SessionCommands` back. Nothing here is Kivy: the same view drives
the touch UI, the tests (which assert on everything a screen received) and the scripted
demo.

Contract for the UI (change only additively):

- `engine.subscribe(callback)` registers ``callback(view: SessionView)``. Callbacks arrive
  on the engine's own thread, never the UI thread: hand them to Kivy with
  ``Clock.schedule_once`` (merge bursts with ``Clock.create_trigger``; draw the latest).
- Views carry a strictly increasing `SessionView.seq`; drop a view whose seq is not newer
  than the one on screen (a late hand-over must never repaint an older citizen's data).
- Every command returns at once (it is queued to the engine thread) and is ignored when it
  makes no sense in the current screen — the UI need not guard against double taps.
- Texts from the service catalogue come as `Text` pairs (Thai + English) so a language
  switch needs no round trip; ``*_key`` fields are message keys the UI translates
  (catalogue: ``kiosk/session/messages.py``).
- Card data arrives already formatted for display; the ID is masked except on the identity
  screen the citizen sees while holding the card (`IdentitySummary.cid_display`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

LanguageCode = Literal["th", "en"]


class Screen(StrEnum):
    """One screen per session state; the UI maps each to one Kivy screen."""

    IDLE = "idle"
    """Waiting: "insert your ID card"."""
    READING = "reading"
    """Card inserted, reading it: show `SessionView.progress`."""
    IDENTITY = "identity"
    """Card read: show `SessionView.identity` (photo may still be loading); proceed()."""
    CONSENT = "consent"
    """Privacy notice listing `consent_services`; give_consent() → MENU, decline() → end.

    Consent comes once per session, before the menu and before any Linkage query."""
    MENU = "menu"
    """Service menu: `SessionView.menu`, unavailable entries greyed with their reason."""
    VERIFY_HOLDER = "verify_holder"
    """A service needs the holder: QR of `SessionView.holder_qr` and one line "scan with
    the ThaID app on your phone", or type `SessionView.holder_short_code` in the app;
    back() returns to the menu."""
    RUNNING = "running"
    """A service is running (Linkage query / submission): spinner + `progress_key`."""
    RESULT = "result"
    """`SessionView.result`: rows, buttons print_result / back / finish."""
    PRINTING = "printing"
    """Receipt being printed."""
    FINISHED = "finished"
    """Done: "take your card and your receipt" (`print_status` says what happened)."""
    TIMEOUT_WARNING = "timeout_warning"
    """Inactivity: `countdown_s` left, one tap on "more time" calls extend()."""
    ERROR = "error"
    """Something failed: `error_key` / `error_text`; `recoverable` says if a button leads on."""
    TAKE_CARD = "take_card"
    """The session is over but the card is still in the reader: loud reminder until removed."""
    OUT_OF_SERVICE = "out_of_service"
    """No card reader (or another device the kiosk cannot work without): staff needed."""


class Connectivity(StrEnum):
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"


class PrintStatus(StrEnum):
    NONE = "none"
    PRINTING = "printing"
    PRINTED = "printed"
    """Only when the printer confirmed it (a failed print is never counted as issued)."""
    PAPER_OUT = "paper_out"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    """Sent to a printer that cannot report status (file/CUPS): not counted as printed."""


class Alert(StrEnum):
    """A sound / spoken cue the UI should play once per new value of `SessionView.alert_id`."""

    NONE = "none"
    TAKE_CARD = "take_card"
    TIMEOUT = "timeout"
    ERROR = "error"
    UI_FAULTS = "ui_faults"
    """Technician alert: three screen faults in the fault window, the kiosk stopped serving."""


@dataclass(frozen=True, slots=True)
class Text:
    """A string in both kiosk languages."""

    th: str
    en: str

    def pick(self, language: LanguageCode) -> str:
        return self.th if language == "th" else self.en


@dataclass(frozen=True, slots=True)
class IdentitySummary:
    """The citizen's card data, formatted for the identity screen (in memory only)."""

    cid_display: str
    """Full ID grouped ``1-2345-67890-12-3`` (shown to the card holder only)."""
    cid_masked: str
    name_th: str
    name_en: str
    birth_date: Text
    address: str
    card_expiry: Text
    card_expired: bool
    photo: bytes | None = None
    """JPEG from the card; None until the photo has been read (it arrives later)."""
    photo_loading: bool = False
    photo_problem: str | None = None
    """Message key saying why there is no photo (it did not decode); the identity stands."""


@dataclass(frozen=True, slots=True)
class MenuEntry:
    service_id: str
    name: Text
    help: Text
    available: bool
    reason_key: str | None = None
    """Why it is unavailable (e.g. ``service.offline_online_only``); None when available."""
    queueable: bool = False
    """Works offline: accepted now, delivered when the network returns."""
    asks_holder: bool = False
    """Will ask the citizen to confirm with the ThaID app first (not yet done this session)."""


@dataclass(frozen=True, slots=True)
class ResultRow:
    label: Text
    value: str
    """Already formatted; may be Thai text."""
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class ResultView:
    service_id: str
    title: Text
    rows: tuple[ResultRow, ...] = ()
    status: Literal["ok", "partial", "queued", "failed"] = "ok"
    message_key: str | None = None
    message_text: Text | None = None
    """Human message straight from the Linkage client (its Thai/English text), if any."""
    reference: str | None = None
    """Reference number of a queued / submitted request, or a counter ticket number."""
    printable: bool = True


@dataclass(frozen=True, slots=True)
class SessionView:
    """Everything one screen needs. Frozen: the UI may keep it without copying."""

    seq: int
    session_id: str | None
    """None while idle; a new random id for each card insertion."""
    screen: Screen
    language: LanguageCode = "th"
    identity: IdentitySummary | None = None
    menu: tuple[MenuEntry, ...] = ()
    consent_services: tuple[str, ...] = ()
    """On CONSENT: the service ids the citizen is asked to consent to."""
    consent_text: Text | None = None
    consent_names: tuple[Text, ...] = ()
    """On CONSENT: the names of `consent_services`, in the same order (the menu is empty
    until consent is given, so the UI cannot look them up there)."""
    selected_service: str | None = None
    result: ResultView | None = None
    progress: float | None = None
    """0..1 while reading the card or printing; None when indeterminate."""
    progress_key: str | None = None
    countdown_s: int | None = None
    """TIMEOUT_WARNING: whole seconds left before the session ends."""
    extensions_left: int = 0
    error_key: str | None = None
    error_text: Text | None = None
    recoverable: bool = True
    offline: bool = False
    """Show the offline banner (online-only services are unavailable)."""
    connectivity: Connectivity = Connectivity.ONLINE
    print_status: PrintStatus = PrintStatus.NONE
    printer_ready: bool = True
    printer_reason_key: str | None = None
    alert: Alert = Alert.NONE
    alert_id: int = 0
    """Increments with each new alert, so the UI plays a repeated reminder again."""
    previous_screen: Screen | None = None
    """On TIMEOUT_WARNING / ERROR: the screen the session returns to."""
    holder_qr: str | None = None
    """On VERIFY_HOLDER: what the QR code carries (None until the gateway answered)."""
    holder_short_code: str | None = None
    """On VERIFY_HOLDER: the short code a citizen types in the ThaID app instead of
    scanning the QR (no sight needed; shown and spoken); None until the gateway answered
    or when it issues none (docs/holder-verification.md)."""
    fault_ref: str = ""
    """After a screen fault (`SessionCommands.report_fault`): its reference for staff
    ("F-" and 8 hex digits), while the kiosk asks for the card back or is out of service
    because of faults; "" otherwise."""


ViewCallback = Callable[[SessionView], None]


class SessionCommands(Protocol):
    """What the UI may ask of the session engine. All return at once; all are thread-safe."""

    def subscribe(self, callback: ViewCallback) -> Callable[[], None]:
        """Receive every new view (on the engine thread); returns an unsubscribe function.

        The current view is delivered once right after subscribing.
        """
        ...

    @property
    def view(self) -> SessionView:
        """The latest view (thread-safe snapshot)."""
        ...

    def proceed(self) -> None:
        """IDENTITY → CONSENT ("continue" under the citizen's data)."""
        ...

    def choose_service(self, service_id: str) -> None:
        """MENU → RUNNING (or RESULT at once for a service that needs no query)."""
        ...

    def give_consent(self) -> None:
        """CONSENT → MENU; recorded (time, services, masked ID) in the audit trail."""
        ...

    def decline(self) -> None:
        """On CONSENT: end the session, nothing queried ("take your card")."""
        ...

    def extend(self) -> None:
        """On TIMEOUT_WARNING: more time (at least 10 times); any other tap also counts."""
        ...

    def print_result(self) -> None:
        """RESULT → PRINTING → FINISHED (or ERROR on paper out, with back / finish)."""
        ...

    def back(self) -> None:
        """RESULT / ERROR → MENU (choose another service)."""
        ...

    def finish(self) -> None:
        """End the session: "take your card"."""
        ...

    def set_language(self, language: LanguageCode) -> None: ...

    def touch(self) -> None:
        """Any user activity (resets the inactivity timer)."""
        ...

    def report_fault(self, fault_ref: str) -> None:
        """The UI failed drawing a screen or handling a touch or key (`kiosk.ui.fault`).

        With a citizen session: wipe it, audit ``ui_fault`` (ref and screen only), end it
        ("session.fault", take-card reminder). Without one: publish again. The third fault
        within `Timeouts.fault_window_s` puts the kiosk out of service (Alert.UI_FAULTS)."""
        ...
