"""Card tests run against the real stack: a private pcscd (foreground, own reader.conf.d)
with the vpcd driver, our virtual card as vpcd's TCP client, pyscard as the client.

The pcscd fixture (`pcsc_stack`, tests/conftest.py) is session-scoped and shared with the
session tests; it holds the machine-wide flock on /tmp/linkage-kiosk-pcscd.lock.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import pytest

from drivers.card.pcsc import PcscCardReader
from drivers.card.protocol import CardEvent, CardInserted
from simulators.seeds import SeedCitizen, SeedData, load_seeds
from simulators.vcard.card import ThaiIdCardEmulator
from simulators.vcard.pcsc_stack import PcscStack, VpcdSlot
from simulators.vcard.profile import CardProfile, Faults
from simulators.vcard.vpcd import VirtualCard


@pytest.fixture(scope="session")
def seeds() -> SeedData:
    return load_seeds()


def card_for(
    citizen: SeedCitizen, *, atr: str | None = None, faults: Faults | None = None
) -> ThaiIdCardEmulator:
    return ThaiIdCardEmulator(CardProfile.from_seed(citizen), atr_variant=atr, faults=faults)


class EmulatorChannel:
    """The emulator as an APDU channel, nothing else in between (in-process reads)."""

    def __init__(self, card: ThaiIdCardEmulator) -> None:
        self.card = card

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def transmit(self, command: bytes) -> bytes:
        return self.card.process(command)


class Events:
    """Collects driver events (delivered on the driver's thread) for assertions."""

    def __init__(self) -> None:
        self.queue: queue.Queue[CardEvent] = queue.Queue()
        self.seen: list[CardEvent] = []

    def __call__(self, event: CardEvent) -> None:
        self.queue.put(event)

    def wait_for(self, match: Callable[[CardEvent], bool], timeout: float = 5.0) -> CardEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event within {timeout}s; saw {self.seen}")
            try:
                event = self.queue.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(event)
            if match(event):
                return event

    def drain(self, settle: float = 0.0) -> list[CardEvent]:
        time.sleep(settle)
        while True:
            try:
                self.seen.append(self.queue.get_nowait())
            except queue.Empty:
                return self.seen


def wait_slot_empty(reader: PcscCardReader, slot: VpcdSlot, timeout: float = 5.0) -> None:
    from drivers.card.protocol import CardState

    deadline = time.monotonic() + timeout
    while reader.card_state(slot.reader) is not CardState.ABSENT:
        if time.monotonic() > deadline:
            raise AssertionError(f"{slot.reader} still shows a card after {timeout}s")
        time.sleep(0.02)


class Rig:
    """One test's view of the stack: a started PC/SC driver and the two vpcd slots."""

    def __init__(self, stack: PcscStack) -> None:
        self.stack = stack
        self.slots = list(stack.slots)
        self.cards = [VirtualCard(slot.port) for slot in self.slots]
        self.events = Events()
        self.reader = PcscCardReader(transmit_retries=2)

    def insert(self, card: ThaiIdCardEmulator, index: int = 0) -> str:
        """Insert and wait until the driver reports this card (by its ATR) in the slot."""
        slot = self.slots[index]
        self.cards[index].insert(card)
        self.events.wait_for(
            lambda e: isinstance(e, CardInserted) and e.reader == slot.reader and e.atr == card.atr
        )
        return slot.reader

    def close(self) -> None:
        for card in self.cards:
            card.remove()
        probe = PcscCardReader()
        try:
            for slot in self.slots:  # leave empty slots for the next test
                wait_slot_empty(probe, slot)
        finally:
            probe.stop()
            self.reader.stop()


@pytest.fixture
def rig(pcsc_stack: PcscStack) -> Iterator[Rig]:
    rig = Rig(pcsc_stack)
    rig.reader.start(rig.events)
    try:
        yield rig
    finally:
        rig.close()
