"""Issue 29 item 4: one deadline per Linkage call, whatever the server does; and a reference
server that closes slow or oversized request heads as production servers do.

Everything runs on loopback against the real reference server over mutual TLS. The timings
are the point of these tests, so they are measured, with a second either side.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kiosk.linkage import errors as E
from kiosk.linkage.client import Timeouts
from kiosk.linkage.pki import KioskCredentials
from kiosk.linkage.retry import RetryPolicy
from linkage.helpers import make_client
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import RunningServer, run_in_thread

DEADLINE_S = 4.0
HEADER_TIMEOUT_S = 2.0


@pytest.fixture
def guarded(tmp_path: Path, creds: KioskCredentials, seeds: SeedIndex
            ) -> Iterator[RunningServer]:
    srv = run_in_thread(state_dir=tmp_path / "guarded", pki_dir=creds.ca_file.parent,
                        seeds=seeds, header_timeout_s=HEADER_TIMEOUT_S)
    try:
        yield srv
    finally:
        srv.stop()


def test_an_online_call_ends_at_its_deadline_while_headers_trickle(
        server: RunningServer, creds: KioskCredentials) -> None:
    """The server sends its answer's header bytes one a second, for ~50 s: each read gets
    a byte well within the 3 s read timeout, so only the call's deadline can end it."""
    client = make_client(server, creds, timeouts=Timeouts(2.0, 3.0, DEADLINE_S),
                         retry=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05,
                                           total_s=DEADLINE_S))
    with client:
        client.login()  # the login is answered normally; the query is not
        server.faults.set("trickle_headers", path_prefix="/api/center/services",
                          latency_ms=1000)
        assert client.deadline_enforced
        started = time.monotonic()
        with pytest.raises(E.LinkageTimeout) as caught:
            client.services()
        took = time.monotonic() - started
        print(f"trickled call ended after {took:.2f} s (deadline {DEADLINE_S} s)")
        assert DEADLINE_S - 1 <= took <= DEADLINE_S + 1, took
        assert caught.value.retryable and caught.value.message_key == "linkage.timeout"
        assert server.faults.snapshot()["fired"]["trickle_headers"] == 1
        server.faults.clear()
        assert client.services().services  # the next call works again at once


def _tls(creds: KioskCredentials) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(creds.ca_file))
    ctx.load_cert_chain(str(creds.cert_file), str(creds.key_file))
    return ctx


def test_slowloris_connections_are_closed_in_time_and_others_still_served(
        guarded: RunningServer, creds: KioskCredentials) -> None:
    ctx = _tls(creds)
    selector = selectors.DefaultSelector()
    opened: dict[ssl.SSLSocket, float] = {}
    closed: dict[ssl.SSLSocket, float] = {}

    def poll(timeout: float) -> None:
        """Note every slow connection the server has closed (EOF, reset, or its 408)."""
        for key, _ in selector.select(timeout=timeout):
            sock = key.fileobj
            assert isinstance(sock, ssl.SSLSocket)
            try:
                while sock.recv(4096):
                    pass
            except (ssl.SSLWantReadError, BlockingIOError):
                continue
            except OSError:
                pass
            closed[sock] = time.monotonic()
            selector.unregister(sock)

    answers: list[int] = []
    normal = threading.Thread(target=lambda: answers.append(_normal_request(guarded, ctx)))
    for n in range(200):
        raw = socket.create_connection(("127.0.0.1", guarded.port), timeout=10)
        sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        sock.sendall(b"GET /api/center/services HTTP/1.1\r\nhost: 127.0.0.1\r\n")
        opened[sock] = time.monotonic()  # the server's clock started a little earlier
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        poll(0)
        if n == 100:
            normal.start()  # a normal request while 100 slow ones are open
    end = time.monotonic() + HEADER_TIMEOUT_S + 10
    next_trickle = time.monotonic() + 0.5
    while len(closed) < len(opened) and time.monotonic() < end:
        poll(0.1)
        if time.monotonic() >= next_trickle:  # the slowloris part: a header line now and then
            next_trickle += 0.5
            for sock in opened.keys() - closed.keys():
                with contextlib.suppress(OSError):  # (SSLWantWriteError is one)
                    sock.send(b"x-slow: 1\r\n")
    normal.join(30)
    for sock in opened:
        sock.close()
    assert answers == [401]  # answered (401: no token) while the slow ones were open
    assert len(closed) == 200, f"{200 - len(closed)} slow connections still open"
    held = max(closed[s] - opened[s] for s in opened)
    print(f"slowloris: 200 of 200 closed; longest held {held:.2f} s")
    assert held <= HEADER_TIMEOUT_S + 1.5, f"held {held:.1f} s (timeout {HEADER_TIMEOUT_S} s)"


def _normal_request(server: RunningServer, ctx: ssl.SSLContext) -> int:
    with httpx.Client(verify=ctx, timeout=10.0) as normal:
        return normal.get(f"{server.base_url}/api/center/services").status_code


def test_a_huge_or_crowded_request_head_is_refused_with_431(
        guarded: RunningServer, creds: KioskCredentials) -> None:
    with httpx.Client(verify=_tls(creds), timeout=10.0) as client:
        url = f"{guarded.base_url}/api/center/services"
        assert client.get(url, headers={"x-big": "a" * 1024 * 1024}).status_code == 431
        crowded = {f"x-h{n}": "1" for n in range(120)}
        assert client.get(url, headers=crowded).status_code == 431
        assert client.get(url, headers={"x-ok": "a" * 8000}).status_code == 401  # served


def test_a_tls_handshake_that_trickles_is_cut_at_the_deadline(
        creds: KioskCredentials, tmp_path: Path) -> None:
    """A peer that answers the ClientHello with a TLS record header announcing 16 KB and
    then one byte every 0.2 s: every read inside the handshake is quick, the handshake
    never ends. The call still ends at its deadline."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)  # the ClientHello
            conn.sendall(b"\x16\x03\x03\x40\x00")
            for _ in range(150):  # 30 s at most, then the test would fail, not hang
                if stop.wait(0.2):
                    return
                with contextlib.suppress(OSError):
                    conn.sendall(b"\x00")

    peer = threading.Thread(target=trickle, daemon=True)
    peer.start()
    from kiosk.config.loader import read_secret
    from kiosk.linkage.client import LinkageClient, tls_context

    client = LinkageClient(
        base_url=f"https://127.0.0.1:{port}", kiosk_id=creds.kiosk_id,
        ssl_context=tls_context(creds.ca_file, creds.cert_file, creds.key_file),
        device_key_pem=read_secret(creds.device_key_file, what="device key"),
        timeouts=Timeouts(connect_s=10.0, read_s=10.0, total_s=2.5),
        retry=RetryPolicy(max_attempts=1, total_s=2.5))
    try:
        started = time.monotonic()
        with pytest.raises(E.LinkageTimeout):
            client.login()
        took = time.monotonic() - started
    finally:
        stop.set()
        client.close()
        peer.join(5)
        listener.close()
    print(f"trickled TLS handshake cut after {took:.2f} s (deadline 2.5 s)")
    assert 1.5 <= took <= 3.5, took
