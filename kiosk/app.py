"""The composition root: build the whole kiosk from `Settings`.

    kiosk = build_kiosk(load_settings())
    kiosk.engine.start()          # the touch UI, a script or a test then drives it
    ...
    kiosk.close()

Everything concrete is chosen here and nowhere else: the card reader the config names,
the Linkage client over mutual TLS, the outbox on SQLite with its sender thread, the
printing stack, the service runners, the session engine. In demo mode (`[demo] enabled`)
keys and certificates are generated into the state dir first and, with
`[linkage] embedded_server`, the reference Linkage server runs in-process.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from drivers.card.protocol import CardReader
from kiosk.appliance import metrics
from kiosk.appliance.heartbeat import Heartbeat, heartbeat_path
from kiosk.appliance.memory_return import MemoryReturn, glibc_trim
from kiosk.config.loader import ConfigError, ensure_private_dir, read_secret
from kiosk.config.settings import Settings
from kiosk.fleet.busy import SessionLock
from kiosk.linkage.client import LinkageClient
from kiosk.outbox import Outbox, Sender
from kiosk.outbox.crypto import ensure_outbox_key
from kiosk.outbox.linkage_deliverer import LinkageDeliverer
from kiosk.printing.setup import PrintSystem, open_printing
from kiosk.services.adapters import (
    ConnectivityProber,
    OutboxQueueHealth,
    PrintServicePort,
    TrackerConnectivity,
)
from kiosk.services.card import CardReaderPort
from kiosk.services.holder import GatewayHolderVerifier
from kiosk.services.runners import KioskServices, OutboxAudit, TicketCounter
from kiosk.services.slip import RECEIPT_KEYS_FILE, SlipSigner, register_receipt_key
from kiosk.session.catalogue import Catalogue, load_catalogue
from kiosk.session.engine import SessionEngine, Timeouts
from kiosk.session.ports import ClockPort, SystemClock

log = logging.getLogger("kiosk.app")


@dataclass
class Kiosk:
    settings: Settings
    engine: SessionEngine
    card_reader: CardReader
    catalogue: Catalogue
    linkage: LinkageClient
    outbox: Outbox
    printing: PrintSystem
    services: KioskServices
    sender: Sender | None = None
    server: Any = None
    """The embedded reference server with its ThaID gateway and the ThaID simulator
    (`simulators.thaid.stack.HolderStack`)."""
    _closers: list[Callable[[], None]] = field(default_factory=list)
    memory: MemoryReturn | None = None
    """Hands freed heap pages back after every session (`kiosk.appliance.memory_return`)."""

    def close(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:
                log.exception("while shutting down")
        self._closers.clear()


def create_card_reader(
    driver: Literal["simulated", "pcsc"], *, reader_filter: str = "", reader_usb_id: str = "",
    transmit_retries: int = 2,
) -> CardReader:
    """The card reader ``[card] driver`` names. ``pcsc``: a real reader through pcscd;
    ``simulated``: the in-process virtual card (insert cards with
    :meth:`simulators.vcard.reader.SimulatedCardReader.insert`). ``reader_filter`` /
    ``reader_usb_id``: which reader is the citizen's (:mod:`drivers.card.readers`)."""
    if driver == "pcsc":
        from drivers.card.pcsc import PcscCardReader  # pyscard only when it is needed

        return PcscCardReader(reader_filter=reader_filter, reader_usb_id=reader_usb_id,
                              transmit_retries=transmit_retries)
    if driver == "simulated":
        from simulators.vcard.reader import SimulatedCardReader

        return SimulatedCardReader()
    raise ValueError(f"unknown card driver {driver!r}")


def virtual_printer(out_dir: Path, *, width: int, dpi: int) -> Any:
    """The demo's printer (``[printer] transport = "virtual"``): the virtual ESC/POS printer
    in-process, for :func:`kiosk.printing.setup.open_printing` to start."""
    from simulators.vprinter import VirtualPrinter  # demo only

    return VirtualPrinter(out_dir, width=width, dpi=dpi)


def catalogue_path(settings: Settings) -> Path:
    return settings.session.services_file or settings.source.parent / "services.toml"


def timeouts_from(settings: Settings) -> Timeouts:
    ui, session = settings.ui, settings.session
    return Timeouts(
        inactivity_s=ui.inactivity_timeout_s, warning_s=ui.timeout_warning_s,
        max_extensions=ui.max_extensions, take_card_after_s=session.take_card_after_s,
        take_card_repeat_s=session.take_card_repeat_s, work_timeout_s=session.work_timeout_s,
        holder_timeout_s=session.holder_timeout_s, holder_poll_s=session.holder_poll_s,
        fault_window_s=session.fault_window_s)


def _start_embedded_server(settings: Settings) -> Any:
    """Demo only: the reference server with its ThaID gateway, and the ThaID simulator."""
    from simulators.thaid.stack import run_holder_stack

    url = urlsplit(settings.linkage.base_url)
    return run_holder_stack(state_dir=settings.kiosk.state_dir / "linkage-server",
                            pki_dir=settings.linkage.ca_file.parent,
                            host=url.hostname or "127.0.0.1", port=url.port or 443)


def vpcd_refusal(settings: Settings, find: Callable[[], Any] | None = None) -> str | None:
    """In production (no ``[demo]``), a vpcd virtual reader next to pcscd lets anyone who
    reaches its TCP port insert a card: the kiosk then serves no one (out of service) and
    says why to the technician. The demo runs with vpcd on purpose."""
    if settings.demo.enabled or settings.card.driver != "pcsc":
        return None
    if find is None:
        from kiosk.maintenance.vpcd import find_vpcd as find
    finding = find()
    if not finding.present:
        return None
    where = ", ".join(str(e.path) for e in finding.entries) or "a listening TCP port"
    return (f"a vpcd virtual card reader is configured ({where}; ports "
            f"{list(finding.listening_ports)}): remove it (apt-get purge vsmartcard-vpcd) and "
            "restart the kiosk - anyone on the network could insert a card")


def build_kiosk(settings: Settings, *, card_reader: CardReader | None = None,
                clock: ClockPort | None = None, start_sender: bool = True) -> Kiosk:
    """Build (not start) the kiosk. Call ``kiosk.engine.start()`` to begin a session loop."""
    closers: list[Callable[[], None]] = []
    try:
        return _build(settings, card_reader, clock, start_sender, closers)
    except BaseException:
        for close in reversed(closers):
            close()
        raise


def _build(settings: Settings, card_reader: CardReader | None, clock: ClockPort | None,
           start_sender: bool, closers: list[Callable[[], None]]) -> Kiosk:
    ensure_private_dir(settings.kiosk.state_dir)
    catalogue = load_catalogue(catalogue_path(settings))
    if settings.demo.enabled:
        from kiosk.linkage.pki import ensure_demo_pki

        ensure_demo_pki(settings)
        ensure_outbox_key(settings.outbox)
    server = None
    if settings.linkage.embedded_server:
        server = _start_embedded_server(settings)
        closers.append(server.stop)

    kiosk_id = settings.kiosk.id
    signer = SlipSigner.from_pem(
        read_secret(settings.linkage.receipt_signing_key_file,
                    what="linkage.receipt_signing_key_file"),
        kiosk_id, validity=dt.timedelta(days=settings.session.slip_validity_days))
    if settings.demo.enabled:
        # Publish the demo kiosk's slip key where the reference server's verifier reads it.
        register_receipt_key(settings.linkage.ca_file.parent / RECEIPT_KEYS_FILE, kiosk_id,
                             signer.public_key_b64())

    linkage = LinkageClient.from_settings(settings, report_error=metrics.record_linkage_error)
    closers.append(linkage.close)
    # The holder long-polls park at the gateway for up to holder_wait_s: on connections of
    # their own, so no query, probe or holder login ever waits behind one.
    holder_linkage = LinkageClient.from_settings(
        settings, report_error=metrics.record_linkage_error, max_connections=2)
    closers.append(holder_linkage.close)
    outbox = Outbox(settings.outbox, kiosk_id)
    closers.append(outbox.close)
    sender = None
    if start_sender:
        deliverer = LinkageDeliverer.from_settings(
            settings, report_error=metrics.record_linkage_error)
        closers.append(deliverer.close)
        # First evidence of the network now, so the first menu is not "offline" by default.
        outbox.connectivity.record_probe(deliverer.probe())
        # The in-process sender beats too, so `maintenance health` reads one heartbeat.
        beat = Heartbeat(heartbeat_path(settings.kiosk.state_dir))
        sender = Sender(outbox, deliverer, report_depth=metrics.set_outbox,
                        on_tick=beat.beat)
        sender.start_thread()
        closers.append(lambda: sender.stop(timeout=10))
    else:
        # The sender runs elsewhere (its own service): keep our own view of the network.
        prober = ConnectivityProber(LinkageDeliverer(linkage).probe, outbox.connectivity)
        prober.probe_now()
        prober.start()
        closers.append(prober.stop)

    printing = open_printing(settings, virtual=virtual_printer)
    closers.append(printing.close)

    refusal = None
    if card_reader is None:
        card_reader = create_card_reader(settings.card.driver,
                                         reader_filter=settings.card.reader_filter,
                                         reader_usb_id=settings.card.reader_usb_id,
                                         transmit_retries=settings.card.transmit_retries)
        refusal = vpcd_refusal(settings)
    services = KioskServices(
        linkage=linkage, outbox=outbox, signer=signer,
        tickets=TicketCounter(settings.kiosk.state_dir / "counter-tickets.json",
                              settings.session.ticket_prefix),
        kiosk_id=kiosk_id, office_code=settings.kiosk.office_code,
        evidence=outbox.connectivity)
    engine = SessionEngine(
        card=CardReaderPort(card_reader),
        runners=services.runners(),
        printer=PrintServicePort(printing.service),
        connectivity=TrackerConnectivity(outbox.connectivity),
        audit=OutboxAudit(outbox, kiosk_id),
        catalogue=catalogue,
        clock=clock or SystemClock(),
        kiosk_id=kiosk_id,
        timeouts=timeouts_from(settings),
        default_language=settings.kiosk.default_language,
        read_photo=settings.card.read_photo,
        queue_health=OutboxQueueHealth(outbox),
        holder=GatewayHolderVerifier(holder_linkage, settings.linkage.holder_wait_s),
    )
    closers.append(engine.stop)
    # While a session is open the fleet updater waits (`python -m kiosk busy`).
    closers.append(SessionLock(settings.kiosk.state_dir).attach(engine))
    # Between citizens, the heap pages a session freed go back to the system.
    memory = MemoryReturn(glibc_trim())
    closers.append(memory.attach(engine))
    if refusal is not None:
        engine.refuse_service(refusal)
    if not catalogue.enabled:
        raise ConfigError(f"{catalogue_path(settings)}: no enabled service")
    return Kiosk(settings, engine, card_reader, catalogue, linkage, outbox, printing,
                 services, sender, server, closers, memory)


# --- spoken guidance (docs/accessibility.md) -------------------------------------------------

def speech_lexicon(settings: Settings, catalogue: Catalogue | None = None) -> Any:
    """Every key the kiosk can say (`kiosk.audio.inventory`), from the screens' .po files,
    the message tables, the service catalogue and the runners' fixed texts."""
    from kiosk.audio.inventory import LOCALES, build_lexicon, text_literals
    from kiosk.linkage.messages import MESSAGES as LINKAGE
    from kiosk.printing import messages as printer
    from kiosk.session.messages import MESSAGES as SESSION
    from kiosk.session.view import Text
    from kiosk.ui.i18n import parse_po, po_path

    catalogue = catalogue or load_catalogue(catalogue_path(settings))
    po = {loc: parse_po(po_path(loc).read_text(encoding="utf-8"), source=str(po_path(loc)))
          for loc in LOCALES}
    linkage = {k: Text(v["th"], v["en"]) for k, v in LINKAGE.items()}
    printing = {k: Text(printer.citizen(k, "th"), printer.citizen(k, "en"))
                for k in sorted(printer.known_keys())}
    texts = [("catalogue.consent", catalogue.consent.text())]
    for service in catalogue.enabled:
        texts += [(f"catalogue.{service.id}.name", service.name.text()),
                  (f"catalogue.{service.id}.help", service.help.text())]
    services_dir = Path(__file__).resolve().parent / "services"
    return build_lexicon(po, tables=(linkage, printing, SESSION), catalogue=texts,
                         literals=text_literals(sorted(services_dir.glob("*.py"))))


def prompt_pack_dir(settings: Settings) -> Path:
    return settings.audio.pack_dir or settings.kiosk.state_dir / "prompts"


def build_speech(settings: Settings, *, jack: Any = None, output: Any = None,
                 record_file: Path | None = None) -> Any:
    """The `SpeechPort` the UI gets: `kiosk.audio.speech.AudioSpeech` when ``[audio]
    enabled``, else `NullSpeech`. Builds the espeak-ng stand-in pack first if allowed and
    needed. The caller closes it (``close()``) with its devices. `record_file` overrides
    ``[audio] record_file`` (the demo records each run's session)."""
    from kiosk.session.speech import NullSpeech

    audio = settings.audio
    if not audio.enabled:
        return NullSpeech()
    from drivers.audio.alsa import AlsaPlayer
    from kiosk.audio.pack import PackError, PromptPack, check
    from kiosk.audio.planner import Config
    from kiosk.audio.speech import AudioSpeech
    from kiosk.audio.standin import ESPEAK_VOICES, EspeakVoice, build_standin

    lexicon = speech_lexicon(settings)
    root = prompt_pack_dir(settings)
    try:
        pack = PromptPack.load(root)
        stale = bool(check(pack, lexicon, decode=False))
    except PackError:
        pack, stale = None, True
    if stale and audio.build_stand_in:
        log.info("building the espeak-ng stand-in prompt pack in %s", root)
        pack = build_standin(root, lexicon, speed=audio.speech_speed)
    if pack is None:
        raise ConfigError(f"[audio] pack_dir {root}: no prompt pack (python -m kiosk prompts "
                          "check) and build_stand_in = false")
    if output is None:
        device = audio.device
        record_file = record_file or audio.record_file
        if record_file is not None:
            ensure_private_dir(record_file.parent)
            device = f"file:FILE={record_file},FORMAT=wav"
        output = AlsaPlayer(device, rate=pack.rate,
                            on_status=lambda s: metrics.set_audio_device_ok("output", s.ok))
    if jack is None:
        jack = _headphone_jack(settings)
    voices = None
    if audio.free_text_voice == "espeak-ng":
        voices = {loc: EspeakVoice(v, speed=audio.speech_speed)
                  for loc, v in ESPEAK_VOICES.items()}
    return AudioSpeech(pack, lexicon, output, jack,
                       config=Config(audio.default_volume, audio.volume_steps), voices=voices,
                       report=metrics.set_audio_device_ok)


def _headphone_jack(settings: Settings) -> Any:
    from drivers.audio.jack import EvdevJack, SimulatedJack, find_jack_device

    kind = settings.audio.jack
    if kind == "simulated":
        return SimulatedJack()
    if kind == "none":
        return None
    path = settings.audio.jack_device or find_jack_device()
    if path is None:
        log.error("[audio] jack = evdev but no input device has SW_HEADPHONE_INSERT: "
                  "personal data will not be spoken")
        metrics.set_audio_device_ok("jack", False)
        return None
    return EvdevJack(path)


def attach_speech(kiosk: Kiosk, **devices: Any) -> Any:
    """Build the speech (`build_speech`) for a built kiosk and close it with the kiosk.

    Give it to the UI (``create_app(speech=…)``): speech follows the views the UI DRAWS
    (one path, on the UI thread, in order with the focus moves, keys and Help), not the
    engine's views, so it never speaks a screen the citizen does not have yet, and a
    screen's guidance is not cut by the focus announcement the UI makes as it draws it. A
    view passed again (same seq) or a countdown tick is not spoken again (the planner)."""
    from kiosk.audio.pack import PackError

    try:
        speech = build_speech(kiosk.settings, **devices)
    except (ConfigError, OSError, PackError) as exc:  # no pack / espeak-ng: still serves
        from kiosk.session.speech import NullSpeech

        log.error("spoken guidance is off: %s (maintenance health: audio)", exc)
        metrics.set_audio_device_ok("output", False)
        return NullSpeech()
    if hasattr(speech, "close"):
        kiosk._closers.append(speech.close)
    return speech
