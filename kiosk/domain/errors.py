"""Typed errors of the domain core.

Every parser in :mod:`kiosk.domain` raises only :class:`DomainError` subclasses, so a caller
(the card driver, the session) can catch one type and show one clear message.

``message_key`` is what the UI translates for the citizen (one key for all bad card data:
the citizen can do the same thing about each — see staff). ``reason`` is a short, stable
technician code for logs. Messages never contain the offending value: card data is personal
(PDPA) and errors end up in logs.
"""

from __future__ import annotations

from kiosk.errors import KeyedError


class DomainError(KeyedError, ValueError):
    """Card or citizen data that does not follow the expected format."""

    default_message_key = "card.invalid_data"
    default_reason = "invalid_data"

    def __init__(
        self,
        message: str,
        *,
        message_key: str | None = None,
        reason: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, message_key=message_key, reason=reason)
        self.message = message
        self.field: str | None = field
        """Card field the error concerns (``"cid"``, ``"birth"``, …), set by the card parser."""

    def with_field(self, field: str) -> DomainError:
        """The same error, labelled with the card field it came from."""
        self.field = field
        if not self.message.startswith(f"{field}: "):
            self.message = f"{field}: {self.message}"
            self.args = (self.message,)
        return self


class InvalidCitizenId(DomainError):
    default_reason = "citizen_id"


class InvalidThaiDate(DomainError):
    default_reason = "thai_date"


class InvalidName(DomainError):
    default_reason = "name"


class InvalidAddress(DomainError):
    default_reason = "address"


class InvalidEncoding(DomainError):
    default_reason = "encoding"
