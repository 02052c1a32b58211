"""How every simulator server runs beside the kiosk: a listening socket, uvicorn in a
background thread, and a handle that stops it (also as a ``with`` block)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0: a free one).

    ``IPPROTO_TCP`` must be explicit: asyncio only sets TCP_NODELAY on sockets whose
    ``proto`` says TCP, and without it every answer (headers and body written separately)
    waits ~40 ms for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    # Listening now: a client told the URL before uvicorn is up waits instead of failing.
    sock.listen(128)
    return sock


def start_in_thread(uv: uvicorn.Server, sock: socket.socket, *, name: str,
                    startup_timeout_s: float = 15.0) -> threading.Thread:
    """Run ``uv`` on ``sock`` in a daemon thread; return once it serves, or raise
    ``RuntimeError`` (the socket closed) when it dies or does not start in time."""
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]},
                              name=f"{name}:{sock.getsockname()[1]}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not uv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            uv.should_exit = True
            sock.close()
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    return thread


class StopOnExit:
    """A running simulator as a ``with`` block: leaving it calls ``stop()``."""

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
