"""Name the TLS cause of a failed call, so a refused certificate never looks like an outage.

Under TLS 1.3 the client's handshake is done before the server has checked the client's
certificate; a server that refuses it sends an alert (or just closes) *after* our request
went out, and httpx reports "server disconnected without sending a response". When a call
ends that way, `probe_refusal` opens one fresh connection, completes the handshake, sends a
harmless request and reads: an alert names the refusal; a close before any byte of answer
means the centre refused us; any answer at all means it was not TLS (a real outage, or an
idle connection the server dropped), and the caller keeps treating it as one.
"""

from __future__ import annotations

import socket
import ssl

import httpx

from kiosk.linkage import errors as E

_HOSTNAME_MISMATCH, _IP_MISMATCH = 62, 64  # X509_V_ERR_* (OpenSSL x509_vfy.h)
_VERSION_REASONS = ("PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER",
                    "NO_PROTOCOLS_AVAILABLE", "VERSION_TOO_LOW", "VERSION_TOO_HIGH",
                    "HTTP_REQUEST", "RECORD_LAYER_FAILURE")
_PEER_REFUSED_US = ("CERTIFICATE", "UNKNOWN_CA", "ACCESS_DENIED", "DECRYPT_ERROR")


def root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    while (exc.__cause__ or exc.__context__) and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return exc


def classify_tls(exc: BaseException) -> E.TlsRefused | None:
    """The typed refusal an `ssl` error (anywhere in the cause chain) means, or None."""
    root = root_cause(exc)
    if isinstance(root, ssl.SSLCertVerificationError):
        reason = str(root.verify_message or root)
        if root.verify_code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
            return E.WrongHost(reason=reason)
        return E.CentreCertificateRefused(reason=reason)
    quiet_close = ssl.SSLEOFError | ssl.SSLZeroReturnError
    if not isinstance(root, ssl.SSLError) or isinstance(root, quiet_close):
        return None
    reason = str(getattr(root, "reason", None) or root)
    upper = reason.upper()
    if any(marker in upper for marker in _VERSION_REASONS):
        return E.TlsVersionRefused(reason=reason)
    if "ALERT" in upper and any(marker in upper for marker in _PEER_REFUSED_US):
        return E.CertificateRefusedByCentre(reason=reason)  # the peer's alert to us
    return E.TlsRefused(reason=reason)


def closed_without_answer(exc: BaseException) -> bool:
    """A connection that ended before any response: maybe a silent certificate refusal."""
    if isinstance(exc, httpx.ConnectError | httpx.TimeoutException):
        return False  # nothing listening, or too slow: an outage, not a refusal
    return isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError)


def probe_refusal(base_url: str, context: ssl.SSLContext, timeout_s: float
                  ) -> E.TlsRefused | None:
    """One fresh handshake and request to tell a refusal from an outage (see above)."""
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 443
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            first = tls.recv(1)
    except ssl.SSLError as exc:
        refusal = classify_tls(exc)
        if refusal is not None or not isinstance(exc, ssl.SSLEOFError):
            return refusal
        first = b""
    except (ConnectionResetError, BrokenPipeError):
        first = b""
    except OSError:
        return None  # cannot even connect now: an outage
    if first:
        return None
    return E.CertificateRefusedByCentre(
        reason="the centre closed the connection right after the TLS handshake, "
               "before any answer")
