"""The one shape of the kiosk's own errors: a message key for the citizen, a reason code
for the technician, and the plain message for the log (never personal data)."""

from __future__ import annotations

from typing import Any, ClassVar


class KeyedError(Exception):
    """Base of the errors each layer raises (domain, card driver, printer driver).

    A subclass names its ``default_message_key`` (looked up in the Thai/English texts) and
    ``default_reason`` (a stable code for logs, metrics and the maintenance menu) as class
    keywords, so each error is one declaration::

        class PaperOut(PrinterError, key="printer.paper_out", reason="paper_out"): ...

    A keyword left out is inherited from the base.
    """

    default_message_key: ClassVar[str] = "error.generic"
    default_reason: ClassVar[str] = "error"

    def __init_subclass__(
        cls, *, key: str | None = None, reason: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if key is not None:
            cls.default_message_key = key
        if reason is not None:
            cls.default_reason = reason

    def __init__(
        self, message: str, *, message_key: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message_key: str = message_key or self.default_message_key
        self.reason: str = reason or self.default_reason
