"""`KioskDevices`: the world around a kiosk built with simulators, for scripts, the demo,
benchmarks and tests (a simulator, so it lives here and not in the production package)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.services.scripted import PHONE_MODES, ScriptError
from kiosk.session.view import SessionView

log = logging.getLogger(__name__)

NETWORK_SETTLE_S = 10.0
"""How long `network()` waits for the kiosk to see the switch before failing loudly."""


class KioskDevices:
    """Devices of a kiosk built by `kiosk.app.build_kiosk` with simulators.

    Cards: the in-process simulated reader, or — given ``vpcd_port`` — a virtual card
    through vpcd and the real pcscd. Network: the embedded reference server's outage switch
    (or ``network`` callback). Paper: the virtual printer's paper level.
    """

    def __init__(self, kiosk: Any, *, seeds_file: Path | None = None,
                 vpcd_port: int | None = None, server: Any = None,
                 phone_auto: str | None = None) -> None:
        from simulators.seeds import load_seeds

        self._kiosk = kiosk
        self._seeds = load_seeds(seeds_file)
        self._server = server or kiosk.server
        self._vcard: Any = None
        self._inserted: int | None = None
        self._unsubscribe: Callable[[], None] | None = None
        if phone_auto is not None:
            # Tests of other areas: the phone answers every ThaID QR the same way.
            answered: set[str] = set()

            def on_view(view: SessionView) -> None:
                qr = view.holder_qr
                if qr and qr not in answered:
                    answered.add(qr)
                    threading.Thread(target=self._phone_quietly, args=(phone_auto, qr),
                                     daemon=True, name="thaid-phone").start()

            self._unsubscribe = kiosk.engine.subscribe(on_view)
        if vpcd_port is not None:
            from simulators.vcard.vpcd import VirtualCard

            self._vcard = VirtualCard(vpcd_port)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._vcard is not None:
            self._vcard.close()

    def phone(self, mode: str, qr_payload: str) -> None:
        """Approve the QR's request at the ThaID simulator as the inserted card's holder
        (``holder``) or as another seed citizen (``other``); ``none`` does nothing."""
        from simulators.thaid.phone import approve

        if mode not in PHONE_MODES:
            raise ScriptError(f"phone takes {' | '.join(PHONE_MODES)}")
        if mode == "none":
            return
        holder = self._inserted if self._inserted is not None else 0
        index = holder if mode == "holder" else (holder + 1) % len(self._seeds.citizens)
        approve(qr_payload, self._seeds.citizens[index].cid,
                ca_file=self._kiosk.settings.linkage.ca_file)

    def _phone_quietly(self, mode: str, qr_payload: str) -> None:
        try:
            self.phone(mode, qr_payload)
        except Exception as exc:  # the session may have ended meanwhile
            log.info("phone: %s", type(exc).__name__)

    def insert(self, citizen_index: int) -> None:
        from simulators.vcard.card import ThaiIdCardEmulator
        from simulators.vcard.profile import CardProfile

        citizen = self._seeds.citizens[citizen_index]
        self._inserted = citizen_index
        card = ThaiIdCardEmulator(CardProfile.from_seed(citizen))
        if self._vcard is not None:
            self._vcard.insert(card)
        else:
            self._kiosk.card_reader.insert(card)

    def remove(self) -> None:
        if self._vcard is not None:
            self._vcard.remove()
        else:
            self._kiosk.card_reader.remove()

    def network(self, up: bool) -> None:
        if self._server is None:
            raise ScriptError("no embedded reference server to cut off")
        if up:
            self._server.faults.clear("outage")
        else:
            self._server.faults.set("outage")
        # The kiosk learns it the way it would in the field: from probes of the centre. A
        # delivery that was already on the wire may still report success, so settle twice.
        if self._kiosk.sender is not None:
            probe = self._kiosk.sender.deliverer.probe
        else:
            from kiosk.outbox.linkage_deliverer import LinkageDeliverer

            probe = LinkageDeliverer(self._kiosk.linkage).probe
        tracker = self._kiosk.outbox.connectivity
        # Probe, let a result still on the wire land, and look again: done only when the
        # state still says what the switch did; a state that never follows fails loudly.
        deadline = time.monotonic() + NETWORK_SETTLE_S
        pause = threading.Event()
        while True:
            tracker.record_probe(probe())
            pause.wait(0.05)
            if (tracker.state.value != "offline") == up:
                return
            if time.monotonic() > deadline:
                raise ScriptError(
                    f"network {'on' if up else 'off'}: the kiosk still sees the centre as "
                    f"{tracker.state.value} after {NETWORK_SETTLE_S:g} s"
                )

    def paper(self, ok: bool) -> None:
        from drivers.printer.status import PaperLevel

        printer = self._kiosk.printing.virtual_printer
        if printer is None:
            raise ScriptError("no virtual printer to take the paper from")
        printer.set_paper(PaperLevel.OK if ok else PaperLevel.OUT)
