"""Every error the card driver raises: a :class:`CardError` with a ``message_key`` the UI
translates for the citizen and a stable ``reason`` for technicians. No error carries card
data (PDPA). The bottom of the driver: every other module of ``drivers.card`` may import it,
and it imports none of them."""

from __future__ import annotations

from kiosk.errors import KeyedError


class CardError(KeyedError, key="card.read_failed", reason="card_error"):
    """Base of every error the card driver raises."""


class CardRemovedError(CardError, key="card.removed_during_read", reason="removed"):
    """The card left the reader before the read finished. Nothing partial is returned."""


class NotThaiIdCard(CardError, key="card.not_thai_id", reason="not_thai_id"):
    """The card does not carry the MOI applet (bank card, transit card, other ID)."""


class CardMuteError(CardError, key="card.mute", reason="mute"):
    """A card is in the slot but gives no ATR: upside down, the wrong way round, or a dead
    chip. The citizen can act: turn the card over, chip first, face up."""


class CardDataInvalid(CardError, key="card.invalid_data", reason="invalid_data"):
    """The card answered, but a field fails validation (check digit, date, encoding, JPEG)."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        message_key: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, message_key=message_key, reason=reason)
        self.field = field


class PhotoUnreadable(CardDataInvalid, key="card.photo_unreadable", reason="photo.undecodable"):
    """The photo area holds no whole JPEG (empty fill, longer than the area, cut, does not
    decode). The identity stands; the photo is said to be unreadable and never shown."""


class ReaderUnavailable(CardError, key="reader.unavailable", reason="reader_unavailable"):
    """No PC/SC service, or the named reader is not attached."""


class CardCommunicationError(CardError, key="card.read_failed", reason="communication"):
    """Unexpected status word, short response, transport failure: ask to re-insert."""
