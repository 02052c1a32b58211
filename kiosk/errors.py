"""The one shape of the kiosk's own errors: a message key for the citizen, a reason code
for the technician, and the plain message for the log (never personal data)."""

from __future__ import annotations


class KeyedError(Exception):
    """Base of the errors each layer raises (domain, card driver, printer driver).

    Subclasses set ``default_message_key`` (looked up in the Thai/English texts) and
    ``default_reason`` (a stable code for logs, metrics and the maintenance menu).
    """

    default_message_key = "error.generic"
    default_reason = "error"

    def __init__(
        self, message: str, *, message_key: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message_key: str = message_key or self.default_message_key
        self.reason: str = reason or self.default_reason
