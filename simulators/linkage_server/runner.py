"""Run the reference server on loopback TLS in a background thread (tests, demo).

    with run_in_thread(state_dir=tmp_path / "srv", pki_dir=tmp_path / "pki") as srv:
        srv.faults.set("error_5xx", count=2)
        ... httpx against srv.base_url ...

Port 0 binds a free port (several test runs may share this machine).
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from kiosk.linkage.pki import ServerPki, ensure_server_pki
from simulators.linkage_server.api import ServerPolicy
from simulators.linkage_server.app import LinkageServer
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.faults import FaultInjector
from simulators.linkage_server.limits import HEADER_TIMEOUT_S
from simulators.linkage_server.store import SubmissionStats
from simulators.linkage_server.tls import ClientCertProtocol, guarded_protocol
from simulators.serving import StopOnExit, bind_socket, start_in_thread

if TYPE_CHECKING:
    from simulators.linkage_server.holder import HolderGateway


def uvicorn_config(server: LinkageServer, pki: ServerPki, *, host: str, port: int,
                   header_timeout_s: float = HEADER_TIMEOUT_S) -> uvicorn.Config:
    return uvicorn.Config(
        server.asgi_app,
        host=host,
        port=port,
        # Header timeout and header size/count limits (`limits.HeaderGuard`).
        http=(ClientCertProtocol if header_timeout_s == HEADER_TIMEOUT_S
              else guarded_protocol(header_timeout_s)),
        ssl_certfile=str(pki.cert_file),
        ssl_keyfile=str(pki.key_file),
        ssl_ca_certs=str(pki.ca_file),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
        lifespan="off",
        loop="auto",  # uvloop when installed: ~0.25 ms less per request than asyncio
        # log_config=None: uvicorn's default dictConfig would close every handler of the
        # process it runs in (the kiosk's masking ones too); its records go to the root.
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=30,
    )


@dataclass
class RunningServer(StopOnExit):
    base_url: str
    port: int
    server: LinkageServer
    pki: ServerPki
    _uvicorn: uvicorn.Server
    _thread: threading.Thread

    @property
    def faults(self) -> FaultInjector:
        return self.server.faults

    @property
    def policy(self) -> ServerPolicy:
        return self.server.policy

    @property
    def admin_headers(self) -> dict[str, str]:
        """What ``/_admin/*`` over HTTP needs besides the client certificate."""
        return {"X-Admin-Token": self.server.admin_token}

    def submissions(self) -> dict[str, SubmissionStats]:
        """Per Idempotency-Key: how often it was accepted, replayed, refused."""
        return {s.key: s for s in self.server.store.submission_stats()}

    def stop(self, timeout: float = 10.0) -> None:
        if self.server.holder is not None:  # parked long-polls answer now, not after their wait
            self.server.holder.wake_all()
        self._uvicorn.should_exit = True
        self._thread.join(timeout)
        self.server.store.close()



def run_in_thread(
    *,
    state_dir: Path,
    pki_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    seeds: SeedIndex | None = None,
    policy: ServerPolicy | None = None,
    startup_timeout_s: float = 15.0,
    holder: HolderGateway | None = None,
    header_timeout_s: float = HEADER_TIMEOUT_S,
) -> RunningServer:
    state_dir = Path(state_dir)
    pki = ensure_server_pki(Path(pki_dir) if pki_dir else state_dir / "pki")
    server = LinkageServer(
        state_dir=state_dir,
        registry_file=pki.registry_file,
        seeds=seeds if seeds is not None else SeedIndex.load_default(),
        policy=policy,
        holder=holder,
    )
    sock = bind_socket(host, port)
    bound_port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn_config(server, pki, host=host, port=bound_port,
                                       header_timeout_s=header_timeout_s))
    thread = start_in_thread(uv, sock, name="reference Linkage server",
                             startup_timeout_s=startup_timeout_s)
    url_host = f"[{host}]" if ":" in host else host
    return RunningServer(
        base_url=f"https://{url_host}:{bound_port}", port=bound_port, server=server, pki=pki,
        _uvicorn=uv, _thread=thread,
    )
