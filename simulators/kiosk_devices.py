"""`KioskDevices`: the world around a kiosk built with simulators, for scripts, the demo,
benchmarks and tests (a simulator, so it lives here and not in the production package)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from kiosk.services.scripted import ScriptError

NETWORK_SETTLE_S = 10.0
"""How long `network()` waits for the kiosk to see the switch before failing loudly."""


class KioskDevices:
    """Devices of a kiosk built by `kiosk.app.build_kiosk` with simulators.

    Cards: the in-process simulated reader, or — given ``vpcd_port`` — a virtual card
    through vpcd and the real pcscd. Network: the embedded reference server's outage switch
    (or ``network`` callback). Paper: the virtual printer's paper level.
    """

    def __init__(self, kiosk: Any, *, seeds_file: Path | None = None,
                 vpcd_port: int | None = None, server: Any = None) -> None:
        from simulators.seeds import load_seeds

        self._kiosk = kiosk
        self._seeds = load_seeds(seeds_file)
        self._server = server or kiosk.server
        self._vcard: Any = None
        if vpcd_port is not None:
            from simulators.vcard.vpcd import VirtualCard

            self._vcard = VirtualCard(vpcd_port)

    def close(self) -> None:
        if self._vcard is not None:
            self._vcard.close()

    def insert(self, citizen_index: int) -> None:
        from simulators.vcard.card import CardProfile, ThaiIdCardEmulator

        citizen = self._seeds.citizens[citizen_index]
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
