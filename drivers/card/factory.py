"""Pick the card reader implementation the configuration names (``[card] driver``)."""

from __future__ import annotations

from typing import Literal

from drivers.card.protocol import CardReader


def create_card_reader(
    driver: Literal["simulated", "pcsc"], *, reader_filter: str = "", reader_usb_id: str = "",
    transmit_retries: int = 2,
) -> CardReader:
    """``pcsc``: a real reader through pcscd; ``simulated``: the in-process virtual card
    (insert cards with :meth:`drivers.card.simulated.SimulatedCardReader.insert`).
    ``reader_filter`` / ``reader_usb_id``: which reader is the citizen's
    (:mod:`drivers.card.readers`)."""
    if driver == "pcsc":
        from drivers.card.pcsc import PcscCardReader  # pyscard only when it is needed

        return PcscCardReader(reader_filter=reader_filter, reader_usb_id=reader_usb_id,
                              transmit_retries=transmit_retries)
    if driver == "simulated":
        from drivers.card.simulated import SimulatedCardReader

        return SimulatedCardReader()
    raise ValueError(f"unknown card driver {driver!r}")
