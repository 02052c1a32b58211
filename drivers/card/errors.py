"""Every error the card driver raises: a :class:`CardError` with a ``message_key`` the UI
translates for the citizen and a stable ``reason`` for technicians. No error carries card
data (PDPA). The bottom of the driver: every other module of ``drivers.card`` may import it,
and it imports none of them."""

from __future__ import annotations

from kiosk.errors import KeyedError


class CardError(KeyedError):
    """Base of every error the card driver raises."""

    default_message_key = "card.read_failed"
    default_reason = "card_error"


class CardRemovedError(CardError):
    """The card left the reader before the read finished. Nothing partial is returned."""

    default_message_key = "card.removed_during_read"
    default_reason = "removed"


class NotThaiIdCard(CardError):
    """The card does not carry the MOI applet (bank card, transit card, other ID)."""

    default_message_key = "card.not_thai_id"
    default_reason = "not_thai_id"


class CardMuteError(CardError):
    """A card is in the slot but gives no ATR: upside down, the wrong way round, or a dead
    chip. The citizen can act: turn the card over, chip first, face up."""

    default_message_key = "card.mute"
    default_reason = "mute"


class CardDataInvalid(CardError):
    """The card answered, but a field fails validation (check digit, date, encoding, JPEG)."""

    default_message_key = "card.invalid_data"
    default_reason = "invalid_data"

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


class PhotoUnreadable(CardDataInvalid):
    """The photo area holds no whole JPEG (empty fill, longer than the area, cut, does not
    decode). The identity stands; the photo is said to be unreadable and never shown."""

    default_message_key = "card.photo_unreadable"
    default_reason = "photo.undecodable"


class ReaderUnavailable(CardError):
    """No PC/SC service, or the named reader is not attached."""

    default_message_key = "reader.unavailable"
    default_reason = "reader_unavailable"


class CardCommunicationError(CardError):
    """Unexpected status word, short response, transport failure: ask to re-insert."""

    default_message_key = "card.read_failed"
    default_reason = "communication"
