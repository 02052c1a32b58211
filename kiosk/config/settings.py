"""Typed sections of the kiosk configuration.

Every model forbids unknown keys, so a typo in the TOML is an error, not a silently
ignored setting. Relative paths resolve against the directory of the config file.
Each area of the kiosk owns its section; keep the example files in `config/` in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    value = value.expanduser()
    if not value.is_absolute() and base is not None:
        value = Path(base) / value
    return Path(value).resolve()


def _must_exist(value: Path) -> Path:
    if not value.is_file():
        raise ValueError(f"file {value} does not exist")
    return value


ConfigPath = Annotated[Path, Field(strict=False), AfterValidator(_resolve_path)]
"""A path from the config file; relative ones are taken from the file's directory."""

ExistingFile = Annotated[ConfigPath, AfterValidator(_must_exist)]
"""A path to a file that ships with the kiosk and must be there when the config loads."""

Language = Literal["th", "en"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class KioskSettings(Section):
    id: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$")]
    """This kiosk's identity at the Linkage Center, e.g. ``BKK-1017-01``."""
    office_code: Annotated[str, Field(pattern=r"^\d{4}$")]
    """DOPA registry office code of the district office where the kiosk stands."""
    state_dir: ConfigPath
    """Databases, journals, generated demo keys, logs. Created with mode 0700."""
    default_language: Language = "th"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


def _reader_name(value: str) -> str:
    if value != value.strip():
        raise ValueError("reader_filter must not start or end with spaces")
    return value


class CardSettings(Section):
    driver: Literal["simulated", "pcsc"]
    """``simulated``: the in-process virtual card; ``pcsc``: a real reader via pcscd."""
    reader_filter: Annotated[str, AfterValidator(_reader_name)] = ""
    """The citizen's reader: its PC/SC name without the index pcscd appends (" 00 00")
    starts with this text (empty: any reader). A trailing index is allowed; only its slot
    (the last two digits) counts, never the reader number a USB replug changes. See
    drivers/card/readers.py."""
    reader_usb_id: Annotated[str, Field(pattern=r"^([0-9A-Fa-f]{4}:[0-9A-Fa-f]{4})?$")] = ""
    """Or by USB ``VVVV:PPPP`` (vendor:product, hex) as ``lsusb`` shows it; empty: any."""
    read_photo: bool = True
    transmit_retries: Annotated[int, Field(ge=0, le=5)] = 2
    """Bounded recovery from card reset / sharing violation right after insertion."""


class PrinterSettings(Section):
    transport: Literal["virtual", "network", "serial", "usb", "file", "cups"]
    profile: str
    """Name of a printer profile in ``profiles_file`` (dots per line, dpi, Thai, QR)."""
    profiles_file: ExistingFile
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 9100
    serial_device: str = "/dev/ttyUSB0"
    baudrate: Literal[9600, 19200, 38400, 57600, 115200] = 38400
    flow_control: Literal["none", "rtscts", "xonxoff"] = "rtscts"
    usb_vendor: Annotated[int, Field(ge=0, le=0xFFFF)] = 0
    usb_product: Annotated[int, Field(ge=0, le=0xFFFF)] = 0
    file_path: str = "/dev/usb/lp0"
    cups_name: str = ""
    timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    journal_retention_days: Annotated[int, Field(ge=1, le=365)] = 7
    virtual_output_dir: ConfigPath | None = None
    """Where the virtual printer writes each receipt as a PNG (demo)."""
    journal_database: ConfigPath | None = None
    """Print journal (SQLite). Default: ``<state_dir>/print-journal.sqlite3``."""
    journal_key_file: ConfigPath | None = None
    """Secret: AES-256-GCM key of the journal's receipt content; created (0600) if missing.
    Default: ``<state_dir>/pki/print-journal.key`` (its own key, not the outbox's)."""


HOLDER_ANSWER_MARGIN_S = 1.5
"""What a holder long-poll leaves of the call's timeouts for the answer itself."""


class LinkageSettings(Section):
    base_url: Annotated[str, Field(pattern=r"^https://")]
    """TLS only: plain http is refused by the schema itself."""
    ca_file: ConfigPath
    client_cert_file: ConfigPath
    client_key_file: ConfigPath
    """Secret: must be mode 0600 or stricter."""
    device_key_file: ConfigPath
    """Secret: the kiosk's Ed25519 device key that signs the login challenge."""
    receipt_signing_key_file: ConfigPath
    """Secret: Ed25519 key that signs the verification QR on printed slips."""
    job_id: str = "KIOSK-SELF-SERVICE"
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 3.0
    read_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    total_timeout_s: Annotated[float, Field(gt=0, le=300)] = 20.0
    max_response_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 2 * 1024 * 1024
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    holder_wait_s: Annotated[float, Field(ge=0, le=10)] = 8.0
    """Each ThaID holder poll is a long-poll of this many seconds: the gateway answers as
    soon as the phone's approval is decided (0: plain polls every ``holder_poll_s``). Must
    leave 1.5 s of ``read_timeout_s`` and ``total_timeout_s`` for the answer; when not set,
    the default shrinks to fit them."""
    embedded_server: bool = False
    """Demo only: start the reference Linkage server in-process on ``base_url``'s port."""

    @model_validator(mode="after")
    def _wait_within_the_call(self) -> LinkageSettings:
        room = min(self.read_timeout_s, self.total_timeout_s) - HOLDER_ANSWER_MARGIN_S
        if "holder_wait_s" not in self.model_fields_set:
            # Not chosen: the default long-poll shrinks to fit shorter call timeouts (a
            # technician who shortens read_timeout_s need not know about the holder wait).
            object.__setattr__(self, "holder_wait_s", max(0.0, min(self.holder_wait_s, room)))
        elif self.holder_wait_s and self.holder_wait_s > room:
            raise ValueError("holder_wait_s must be at least 1.5 s below read_timeout_s "
                             "and total_timeout_s")
        return self


class OutboxSettings(Section):
    database: ConfigPath
    key_file: ConfigPath
    """Secret: the AES-256-GCM key for payloads at rest."""
    max_attempts: Annotated[int, Field(ge=1, le=1000)] = 50
    """Delivery attempts before an item goes to dead (a crash mid-delivery counts one)."""
    max_age_hours: Annotated[float, Field(gt=0, le=24 * 90)] = 72.0
    """An item not delivered within this time goes to dead (technician: retry-dead)."""
    backoff_base_s: Annotated[float, Field(gt=0, le=60)] = 1.0
    backoff_cap_s: Annotated[float, Field(gt=0, le=3600)] = 300.0
    """Retry n waits uniform(0, min(cap, base·2^(n-1))); a Retry-After is a floor."""
    dead_retention_days: Annotated[int, Field(ge=1, le=365)] = 30
    """Dead items (with payload) are kept this long, then only a receipt record remains."""
    receipt_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """A receipt (what exactly-once needs: key -> item, outcome; nothing personal) is kept
    this long after its item left, then deleted; a replay of its key after that is an
    unknown key again. Must be longer than ``max_age_hours`` (the longest an item, and so
    a twin of it in a salvaged file or a retrying caller, may wait)."""
    delivery_concurrency: Annotated[int, Field(ge=1, le=32)] = 8
    """Submissions in flight at once while draining (each on its own pooled HTTP/1.1
    connection of the Linkage client); 1 delivers one item at a time."""

    @model_validator(mode="after")
    def _receipts_outlive_items(self) -> OutboxSettings:
        # A receipt deleted while a twin of its item may still wait somewhere would let a
        # replay through as a new item: exactly-once would be a claim, not a guarantee.
        if self.receipt_retention_days * 24 <= self.max_age_hours:
            raise ValueError("receipt_retention_days must be longer than max_age_hours")
        return self


KeyName = Annotated[str, Field(pattern=r"^([a-z0-9]|f([1-9]|1[0-2])|numpad[a-z0-9]+|[-+=*/.])$")]
"""A key name of `kiosk.ui.keymap.KEY_CODES` (letters, digits, f1-f12, numpad keys, + - = * / .)."""


class UiSettings(Section):
    fullscreen: bool = True
    show_cursor: bool = False
    exit_on_escape: bool = False
    """Ignored: Escape is the keypad's Cancel and no key ever ends the kiosk (kept so an
    older config still loads; `kiosk.ui.bootstrap` warns when it is true)."""
    allow_screensaver: bool = False
    screen_dpi: Annotated[float, Field(gt=50, le=600)] = 96.0
    viewing_distance_mm: Annotated[float, Field(ge=300, le=1000)] = 500.0
    inactivity_timeout_s: Annotated[float, Field(ge=30, le=600)] = 90.0
    timeout_warning_s: Annotated[float, Field(ge=20, le=120)] = 30.0
    max_extensions: Annotated[int, Field(ge=10, le=100)] = 10
    sounds: bool = True
    demo_panel: bool = False
    window_width: Annotated[int, Field(ge=320, le=7680)] = 1280
    """Window size when not full screen (demo, tests); full screen uses the display's size."""
    window_height: Annotated[int, Field(ge=240, le=4320)] = 800
    large_text: bool = False
    """Start each session with large text (the citizen can toggle it on every screen)."""
    high_contrast: bool = False
    """Start each session in the high-contrast theme (toggle on every screen)."""
    large_text_scale: Annotated[float, Field(ge=1.2, le=2.0)] = 1.4
    min_touch_target_mm: Annotated[float, Field(ge=9, le=40)] = 12.0
    """Smallest control the UI draws (9 mm is the floor; bigger suits gloved / shaky hands)."""
    help_key: KeyName = "numpaddecimal"
    """A keypad key that also means Help (F1 always does): repeats the screen's guidance and
    starts spoken guidance. Key names as in `kiosk.ui.keymap.KEY_CODES`."""
    blank_key: KeyName = "numpadmul"
    """Blanks / unblanks the screen (F2 always does), so nobody behind reads it."""
    reveal_key: KeyName = "numpaddivide"
    """Shows / masks the ID and address on the identity screen (F3 always does)."""


class TechnicianSettings(Section):
    pin_hash_file: ConfigPath
    """Secret: scrypt hash of the technician PIN."""
    technician_card_ids: Annotated[tuple[str, ...], Field(strict=False)] = ()
    """Citizen IDs of the technician cards that open the maintenance menu (empty: PIN only)."""
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9464
    """Prometheus metrics on 127.0.0.1; 0 disables them."""
    diagnostics_dir: ConfigPath | None = None
    """Where "Export diagnostics" writes its zip (a USB stick's mount point; the service
    may write there only if systemd allows it, see docs/appliance.md). Default:
    STATE_DIR/diagnostics."""


class DemoSettings(Section):
    enabled: bool = False
    """Generate demo keys and certificates in the state dir and start the simulators."""
    seeds_file: ExistingFile | None = None


class SessionSettings(Section):
    """The citizen session (inactivity timeouts live in ``[ui]``: what the citizen sees)."""

    services_file: ConfigPath | None = None
    """The service catalogue (checked when the session starts); default: ``services.toml``
    next to the kiosk's own config file."""
    take_card_after_s: Annotated[float, Field(ge=2, le=60)] = 8.0
    """After the session ends with the card still in: "take your card" reminder after this."""
    take_card_repeat_s: Annotated[float, Field(ge=3, le=120)] = 10.0
    work_timeout_s: Annotated[float, Field(ge=10, le=600)] = 60.0
    """Guard for a card read, a service or a print that never answers."""
    holder_timeout_s: Annotated[float, Field(ge=30, le=600)] = 120.0
    """How long the ThaID QR waits for the citizen's phone (docs/holder-verification.md)."""
    holder_poll_s: Annotated[float, Field(ge=0.2, le=10)] = 0.25
    """Pause after each answer of the gateway before the next poll (the first poll goes at
    once). Each poll is a long-poll of ``[linkage] holder_wait_s``, so a waiting kiosk asks
    60 / (holder_wait_s + holder_poll_s) times a minute: 7.3 with the defaults."""
    fault_window_s: Annotated[float, Field(ge=60, le=86400)] = 600.0
    """Three screen faults within this many seconds put the kiosk out of service."""
    slip_validity_days: Annotated[int, Field(ge=1, le=3650)] = 90
    """How long an officer accepts a printed registry slip (in its signed QR)."""
    ticket_prefix: Annotated[str, Field(pattern=r"^[A-Z]{1,2}$")] = "A"


class AudioSettings(Section):
    """Spoken guidance (docs/accessibility.md): prompt clips through ALSA, the headphone jack."""

    enabled: bool = False
    device: str = "default"
    """The ALSA PCM the speech plays on (``default``, ``hw:1,0``, ``plughw:CARD=Headset``)."""
    record_file: ConfigPath | None = None
    """Demo / tests: play into this WAV file through ALSA's own ``file`` plugin instead of
    `device` (what the citizen would have heard, sample for sample)."""
    pack_dir: ConfigPath | None = None
    """The prompt pack (manifest.json + clips). Default: ``<state_dir>/prompts``."""
    build_stand_in: bool = True
    """Build the espeak-ng stand-in pack into `pack_dir` when it has no manifest or clips
    are missing / out of date (never over a recorded pack: ``false`` in production)."""
    jack: Literal["evdev", "simulated", "none"] = "evdev"
    """``evdev``: the input device with SW_HEADPHONE_INSERT; ``simulated``: no jack hardware
    (demo); ``none``: no headphone jack (personal data is then never spoken)."""
    jack_device: str = ""
    """``/dev/input/eventN`` of the jack; empty: the first device with the switch."""
    default_volume: Annotated[int, Field(ge=1, le=20)] = 6
    """Volume step each citizen starts at (5.1.3.13)."""
    volume_steps: Annotated[int, Field(ge=2, le=20)] = 10
    free_text_voice: Literal["espeak-ng", "none"] = "espeak-ng"
    """What says free text no clip can hold (names, addresses): espeak-ng (a stand-in, poor
    in Thai) or ``none`` ("shown on the screen")."""
    speech_speed: Annotated[int, Field(ge=80, le=300)] = 150
    """espeak-ng words per minute of the stand-in pack and the free-text voice."""

    @model_validator(mode="after")
    def _volume_within_steps(self) -> AudioSettings:
        if self.default_volume > self.volume_steps:
            raise ValueError("default_volume must not exceed volume_steps")
        return self


class Settings(Section):
    """The whole configuration. `source` is the file it came from."""

    kiosk: KioskSettings
    card: CardSettings
    printer: PrinterSettings
    linkage: LinkageSettings
    outbox: OutboxSettings
    ui: UiSettings = UiSettings()
    technician: TechnicianSettings
    demo: DemoSettings = DemoSettings()
    session: SessionSettings = SessionSettings()
    audio: AudioSettings = AudioSettings()
    source: Path = Field(default=Path(), exclude=True)
