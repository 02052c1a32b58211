"""Serve an ASGI app on loopback TLS in a background thread, without client certificates.

Used for the ThaID provider and for the gateway's redirect endpoint, both of which a
citizen's phone reaches (no kiosk certificate there). The server certificate comes from
the test/demo PKI (`kiosk.linkage.pki`); port 0 binds a free port.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from kiosk.linkage.pki import ServerPki, ensure_server_pki
from simulators.serving import StopOnExit, bind_socket, start_in_thread
from simulators.thaid.provider import Client, Person, ThaidProvider


@dataclass
class TlsThread:
    base_url: str
    port: int
    _uvicorn: uvicorn.Server
    _thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self._uvicorn.should_exit = True
        self._thread.join(timeout)


def serve_tls(app: ASGIApp, pki: ServerPki, *, host: str = "127.0.0.1", port: int = 0,
              name: str = "tls", startup_timeout_s: float = 15.0) -> TlsThread:
    sock = bind_socket(host, port)
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, host=host, port=bound, ssl_certfile=str(pki.cert_file),
                            ssl_keyfile=str(pki.key_file), lifespan="off",
                            log_config=None, log_level="warning", access_log=False)
    uv = uvicorn.Server(config)
    thread = start_in_thread(uv, sock, name=name, startup_timeout_s=startup_timeout_s)
    return TlsThread(f"https://{host}:{bound}", bound, uv, thread)


@dataclass
class RunningProvider(StopOnExit):
    provider: ThaidProvider
    tls: TlsThread

    @property
    def issuer(self) -> str:
        return self.provider.issuer

    def stop(self) -> None:
        self.tls.stop()


def run_provider(pki_dir: Path, *, clients: tuple[Client, ...] = (),
                 people: dict[str, Person] | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> RunningProvider:
    provider = ThaidProvider(clients=clients, people=people)
    tls = serve_tls(provider.asgi_app, ensure_server_pki(pki_dir), host=host, port=port,
                    name="thaid")
    provider.issuer = tls.base_url
    return RunningProvider(provider, tls)
