"""One deadline per Linkage call, enforced on every socket operation whatever the server does.

httpx's timeouts are per operation: ``read=10`` allows each ``recv`` ten seconds, so a
server that trickles its header bytes, one a second, holds a call for ever. This network
backend sits under the client's httpcore pool and gives every connect, TLS handshake, write
and read at most the time left until the call's deadline (`deadline`, set by the client
around each call; nested calls — the login inside a query — keep the earlier one). CPython
bounds a whole TLS handshake (many reads) by one socket timeout, so that is covered too.
Past the deadline an operation fails at once with httpcore's own timeout, which the client
reports as `LinkageTimeout`.

Not covered: the host name lookup inside ``connect_tcp`` (the kiosk's base URL names the
centre by a name in /etc/hosts or an address; a lookup is not bounded by any socket timeout).
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Iterator

import httpcore

_local = threading.local()


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Operations on this thread end by ``at`` (``time.monotonic()``), or fail."""
    previous: float | None = getattr(_local, "at", None)
    _local.at = at if previous is None else min(previous, at)
    try:
        yield
    finally:
        _local.at = previous


def time_left() -> float | None:
    """Seconds left of the deadline set on this thread (``None``: none is set)."""
    at: float | None = getattr(_local, "at", None)
    return None if at is None else at - time.monotonic()


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    at: float | None = getattr(_local, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # CPython bounds a whole handshake by the socket timeout (one deadline across its
        # reads), so the time left is enough here.
        left = _left(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                    ) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.connect_tcp(
            host, port, timeout=_left(timeout, httpcore.ConnectTimeout),
            local_address=local_address, socket_options=socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                            ) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.connect_unix_socket(
            path, timeout=_left(timeout, httpcore.ConnectTimeout),
            socket_options=socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(transport: object) -> bool:
    """Put the deadline backend under an `httpx.HTTPTransport`'s pool, around whatever
    backend is there (`coalesce` installs first). httpx has no public hook; False if the
    private attribute moved (then only the per-operation timeouts hold)."""
    pool = getattr(transport, "_pool", None)
    if pool is None or not hasattr(pool, "_network_backend"):
        return False
    pool._network_backend = DeadlineBackend(pool._network_backend)
    return True
