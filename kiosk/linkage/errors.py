"""Typed Linkage errors: one exception class per Linkage error number, plus the client's own
protocol and transport failures. Each carries a ``message_key`` (see `messages.py`).

Numbers 9xxxx/99xxx are the Linkage Center's own (gen-1 AMI codes, reused by gen 2);
95020-95099 are project-defined for conditions the public codes do not cover (they are
marked as such in docs/linkage-api.md). ``00XXX`` is an HTTP status from the data provider.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LinkageError(Exception):
    """Base of every error the Linkage client raises."""

    error_number: ClassVar[int | None] = None
    message_key: ClassVar[str] = "linkage.protocol_error"
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str = "",
        *,
        request_id: str | None = None,
        status_code: int | None = None,
        error_number: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message or type(self).__name__)
        self.request_id = request_id
        self.status_code = status_code
        self.retry_after_s = retry_after_s
        if error_number is not None:
            self.error_number = error_number  # type: ignore[misc]

    def __str__(self) -> str:
        number = f"[{self.error_number}] " if self.error_number is not None else ""
        rid = f" (request {self.request_id})" if self.request_id else ""
        return f"{number}{self.args[0]}{rid}"


# -- the client's own failures -------------------------------------------------------------
class ProtocolError(LinkageError):
    """The answer broke the contract: bad JSON, wrong shape, oversize, wrong request ID."""

    message_key = "linkage.protocol_error"


class TransportError(LinkageError):
    """No usable HTTP exchange: connect failure, reset, TLS failure."""

    message_key = "linkage.unavailable"
    retryable = True


class Unavailable(TransportError):
    """The Linkage Center is down or overloaded (outage, 5xx after bounded retries)."""


class TlsRefused(TransportError):
    """The TLS handshake failed: wrong CA, certificate refused. Retrying will not help.

    The subclasses name who refused what; ``summary`` and ``fix`` are the technician's words
    (health, logs), ``reason`` is what TLS itself said. The citizen sees "unavailable".
    """

    retryable = False
    summary: ClassVar[str] = "the TLS handshake with the Linkage Center failed"
    fix: ClassVar[str] = ("check linkage.ca_file, linkage.client_cert_file and "
                          "linkage.client_key_file, and the kiosk's clock")

    def __init__(self, message: str = "", *, reason: str = "", **kwargs: Any) -> None:
        super().__init__(message or f"{self.summary}: {reason}", **kwargs)
        self.reason = reason

    def in_words(self) -> str:
        """One line for health and logs: what happened, TLS's own reason, and the fix."""
        return f"{self.summary} ({self.reason or 'no reason given'}); fix: {self.fix}"


class CertificateRefusedByCentre(TlsRefused):
    """The centre refused this kiosk's client certificate: a TLS alert, or (TLS 1.3) the
    connection closed right after a completed handshake, before any answer."""

    summary = "the Linkage Center refused this kiosk's client certificate"
    fix = ("check that linkage.client_cert_file is this kiosk's current certificate, issued "
           "by the centre's CA and not expired, and that the centre has it registered")


class CentreCertificateRefused(TlsRefused):
    """This kiosk could not verify the centre's certificate (unknown CA, expired, ...)."""

    summary = "this kiosk refused the Linkage Center's certificate"
    fix = ("check that linkage.ca_file is the centre's current CA certificate and that the "
           "kiosk's clock is right")


class WrongHost(TlsRefused):
    """The centre's certificate is valid but names another host."""

    summary = "the Linkage Center's certificate is for another host name"
    fix = "set linkage.base_url to the host name the centre's certificate names"


class TlsVersionRefused(TlsRefused):
    """No TLS version in common, or the port does not speak TLS at all."""

    summary = "no TLS protocol version in common with the Linkage Center"
    fix = ("check that linkage.base_url is the centre's HTTPS address and port; the kiosk "
           "needs TLS 1.2 or newer")


class LinkageTimeout(TransportError):
    """The client's own connect/read/total timeout ran out."""

    message_key = "linkage.timeout"


# -- Linkage error numbers ------------------------------------------------------------------
class NotLoggedIn(LinkageError):
    error_number = 90001
    message_key = "linkage.not_logged_in"
    http_status = 401


class OutsideServiceHours(LinkageError):
    error_number = 90005
    message_key = "linkage.outside_hours"
    http_status = 403


class QuotaExceeded(LinkageError):
    error_number = 90008
    message_key = "linkage.quota_exceeded"
    http_status = 429


class InvalidSmartCard(LinkageError):
    error_number = 90009
    message_key = "linkage.invalid_card"
    http_status = 403


class ServiceTimeout(LinkageError):
    error_number = 90012
    message_key = "linkage.timeout"
    http_status = 504
    retryable = True


class CitizenNotLoggedIn(LinkageError):
    """No (valid) consent by the citizen's own card."""

    error_number = 90016
    message_key = "linkage.consent_required"
    http_status = 403


class WrongPin(LinkageError):
    error_number = 90090
    message_key = "linkage.wrong_pin"
    http_status = 403


class NotFound(LinkageError):
    error_number = 90500
    message_key = "linkage.not_found"
    http_status = 404


class CardNotLatest(LinkageError):
    error_number = 95002
    message_key = "linkage.card_not_latest"
    http_status = 403


class NoLinkageRights(LinkageError):
    error_number = 95004
    message_key = "linkage.not_permitted"
    http_status = 403


class NoJobRights(LinkageError):
    error_number = 95010
    message_key = "linkage.not_permitted"
    http_status = 403


class NoServiceRights(LinkageError):
    error_number = 95011
    message_key = "linkage.not_permitted"
    http_status = 403


class ServiceNotFound(LinkageError):
    error_number = 95012
    message_key = "linkage.service_not_found"
    http_status = 404


class NoConsentRights(LinkageError):
    """The consent given does not cover this citizen or service."""

    error_number = 95014
    message_key = "linkage.consent_required"
    http_status = 403


class RequestTooLarge(LinkageError):
    error_number = 95015
    message_key = "linkage.request_too_large"
    http_status = 413


class CardNotFound(LinkageError):
    error_number = 99992
    message_key = "linkage.card_not_found"
    http_status = 404


class NoFacePhoto(LinkageError):
    error_number = 99994
    message_key = "linkage.no_photo"
    http_status = 404


# -- project-defined numbers ----------------------------------------------------------------
class InvalidRequest(LinkageError):
    error_number = 95020
    message_key = "linkage.invalid_request"
    http_status = 400


class IdempotencyKeyMissing(LinkageError):
    error_number = 95030
    message_key = "linkage.invalid_request"
    http_status = 400


class SubmissionInProgress(LinkageError):
    """409: the first request with this Idempotency-Key is still being processed."""

    error_number = 95031
    message_key = "linkage.in_progress"
    http_status = 409
    retryable = True


class IdempotencyKeyReused(LinkageError):
    """422: the Idempotency-Key was already used with another payload."""

    error_number = 95032
    message_key = "linkage.duplicate_request"
    http_status = 422


class ServiceUnavailable(LinkageError):
    """503 from the Linkage Center itself (maintenance, overload)."""

    error_number = 95099
    message_key = "linkage.unavailable"
    http_status = 503
    retryable = True


class ProviderError(LinkageError):
    """``00XXX``: the agency holding the data answered with HTTP status XXX."""

    message_key = "linkage.provider_error"
    http_status = 502


ERROR_CLASSES: dict[int, type[LinkageError]] = {
    cls.error_number: cls  # type: ignore[misc]
    for cls in (
        NotLoggedIn, OutsideServiceHours, QuotaExceeded, InvalidSmartCard, ServiceTimeout,
        CitizenNotLoggedIn, WrongPin, NotFound, CardNotLatest, NoLinkageRights, NoJobRights,
        NoServiceRights, ServiceNotFound, NoConsentRights, RequestTooLarge, CardNotFound,
        NoFacePhoto, InvalidRequest, IdempotencyKeyMissing, SubmissionInProgress,
        IdempotencyKeyReused, ServiceUnavailable,
    )
}

ERROR_DESCRIPTIONS: dict[int, str] = {
    90001: "Not logged in, or the token is invalid or expired",
    90005: "Outside permitted working hours",
    90008: "Quota exceeded",
    90009: "Invalid smart card",
    90012: "Service timeout",
    90016: "Citizen not logged in (consent by the citizen's card required)",
    90090: "Wrong PIN",
    90500: "Not found",
    95002: "Card is not the holder's latest card",
    95004: "No Linkage Center rights",
    95010: "No rights to the job",
    95011: "No rights to the service",
    95012: "Service not found",
    95014: "No rights via the citizen's consent",
    95015: "Request larger than 64 KB",
    99992: "Card not found",
    99994: "No face photo",
    95020: "Invalid request (project-defined)",
    95030: "Idempotency-Key header missing (project-defined)",
    95031: "A request with this Idempotency-Key is still in progress (project-defined)",
    95032: "Idempotency-Key reused with a different payload (project-defined)",
    95099: "Linkage Center temporarily unavailable (project-defined)",
}


def error_for(
    number: int,
    message: str,
    *,
    request_id: str | None = None,
    status_code: int | None = None,
    retry_after_s: float | None = None,
) -> LinkageError:
    """The typed exception for a Linkage ``errorNumber``."""
    cls = ERROR_CLASSES.get(number)
    if cls is None:
        cls = ProviderError if 0 <= number < 1000 else LinkageError
    return cls(
        message,
        request_id=request_id,
        status_code=status_code,
        error_number=number,
        retry_after_s=retry_after_s,
    )
