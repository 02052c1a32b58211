"""Uvicorn's h11 protocol, extended to hand the app the verified client certificate.

Uvicorn puts no TLS details in the ASGI scope, so this protocol adds, per connection,
``scope["extensions"]["tls"]`` (the peer certificate as `ssl.SSLSocket.getpeercert`
returns it) and the transport (for the connection-reset fault).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from simulators.linkage_server.faults import TRANSPORT_EXTENSION


class ClientCertH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        extensions: dict[str, Any] = {
            "tls": {"client_cert": transport.get_extra_info("peercert")},
            TRANSPORT_EXTENSION: transport,
        }
        app = self.app

        async def app_with_tls(scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("extensions", {}).update(extensions)
            await app(scope, receive, send)

        self.app = app_with_tls


def client_common_name(scope: Scope) -> str | None:
    cert = scope.get("extensions", {}).get("tls", {}).get("client_cert")
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None
