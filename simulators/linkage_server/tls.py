"""Uvicorn's HTTP protocols, extended to hand the app the verified client certificate.

Uvicorn puts no TLS details in the ASGI scope, so these protocols add, per connection,
``scope["extensions"]["tls"]`` (the peer certificate as `ssl.SSLSocket.getpeercert`
returns it) and the transport (for the connection-reset fault). httptools (C parser) is
used when installed, else h11. The httptools protocol carries `limits.HeaderGuard`: a
header timeout and header size/count limits, which uvicorn does not have.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from simulators.linkage_server.faults import TRANSPORT_EXTENSION
from simulators.linkage_server.limits import HeaderGuard


def _with_tls(app: ASGIApp, transport: asyncio.Transport) -> ASGIApp:
    extensions: dict[str, Any] = {
        "tls": {"client_cert": transport.get_extra_info("peercert")},
        TRANSPORT_EXTENSION: transport,
    }

    async def app_with_tls(scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("extensions", {}).update(extensions)
        await app(scope, receive, send)

    return app_with_tls


class ClientCertH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.app = _with_tls(self.app, transport)


ClientCertProtocol: type[asyncio.Protocol] = ClientCertH11Protocol
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is a dependency; h11 still works
    pass
else:

    class ClientCertHttpToolsProtocol(HeaderGuard, HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.app = _with_tls(self.app, transport)

    ClientCertProtocol = ClientCertHttpToolsProtocol


def guarded_protocol(header_timeout_s: float) -> type[asyncio.Protocol]:
    """`ClientCertProtocol` with another header timeout (tests use a short one). The h11
    fallback keeps h11's own head limit (400 over 16 KB) and has no header timeout."""
    if not issubclass(ClientCertProtocol, HeaderGuard):
        return ClientCertProtocol
    return type("GuardedClientCertProtocol", (ClientCertProtocol,),
                {"header_timeout_s": header_timeout_s})


def client_common_name(scope: Scope) -> str | None:
    cert = scope.get("extensions", {}).get("tls", {}).get("client_cert")
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None
