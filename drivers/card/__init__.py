"""The Thai ID card reader: typed Protocol, PC/SC and simulated implementations.

See ``drivers/card/README.md`` for the public surface and the design decisions.
"""

from drivers.card.protocol import (
    CardCommunicationError,
    CardDataInvalid,
    CardError,
    CardEvent,
    CardInserted,
    CardListener,
    CardMute,
    CardMuteError,
    CardReader,
    CardRemoved,
    CardRemovedError,
    CardState,
    ChipNumberReader,
    NotThaiIdCard,
    PhotoProgress,
    PhotoUnreadable,
    ReaderAttached,
    ReaderDetached,
    ReaderState,
    ReaderUnavailable,
)

__all__ = [
    "CardCommunicationError",
    "CardDataInvalid",
    "CardError",
    "CardEvent",
    "CardInserted",
    "CardListener",
    "CardMute",
    "CardMuteError",
    "CardReader",
    "CardRemoved",
    "CardRemovedError",
    "CardState",
    "ChipNumberReader",
    "NotThaiIdCard",
    "PhotoProgress",
    "PhotoUnreadable",
    "ReaderAttached",
    "ReaderDetached",
    "ReaderState",
    "ReaderUnavailable",
]
