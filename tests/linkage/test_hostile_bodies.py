"""Issue 16: the reference centre refuses what the real one would — hostile bodies (deep,
huge, slow), JSON that parsers disagree on, impossible citizen IDs and consent times, and
admin calls without their token — always with a 4xx, never a 5xx, in bounded memory.

The memory test runs the server as its own process (``python -m simulators.linkage_server``)
and reads its peak RSS (VmHWM) from /proc before and after the hostile requests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.config.loader import REPO_ROOT
from kiosk.linkage.client import tls_context
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials
from simulators.linkage_server.runner import RunningServer

MB = 1024 * 1024


def _http(server_url: str, creds: KioskCredentials) -> httpx.Client:
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    return httpx.Client(base_url=server_url, verify=ctx, timeout=10)


def _rid() -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4())}


@pytest.fixture
def logged_in(server: RunningServer, creds: KioskCredentials) -> Iterator[httpx.Client]:
    from linkage.helpers import make_client

    with make_client(server, creds) as client:
        client.login()
        token = client.auth.current()
    with _http(server.base_url, creds) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


def _submit(http: httpx.Client, body: bytes | dict[str, Any]) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post("/api/agency/submissions", content=content,
                     headers={**_rid(), "Content-Type": "application/json",
                              "Idempotency-Key": str(uuid.uuid4())})


def _good(cid: str, **changes: Any) -> dict[str, Any]:
    body = {"kind": "address-change", "personalID": cid,
            "consentedAt": dt.datetime.now(dt.UTC).isoformat(), "payload": {"n": 1}}
    body.update(changes)
    return body


def _with_check_digit(first12: str) -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def test_a_sound_submission_is_still_accepted(logged_in: httpx.Client, ordinary: Any) -> None:
    r = _submit(logged_in, _good(ordinary.cid))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(("case", "number"), [
    ("deep", 95020), ("nan", 95020), ("infinity", 95020), ("duplicate", 95020),
    ("zeros", 95020), ("check_digit", 95020), ("unregistered", 90500),
    ("consent_9999", 95020), ("consent_old", 95020), ("not_utf8", 95020),
])
def test_submissions_the_centre_would_refuse(logged_in: httpx.Client, ordinary: Any,
                                             case: str, number: int) -> None:
    cid = ordinary.cid
    wrong_digit = cid[:12] + str((int(cid[12]) + 1) % 10)
    unregistered = _with_check_digit("1" + "9" * 11)
    bodies: dict[str, bytes | dict[str, Any]] = {
        "deep": b'{"kind": "a-b-c", "payload": {"x": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
        "nan": json.dumps(_good(cid, payload={"amount": float("nan")})).encode(),
        "infinity": json.dumps(_good(cid, payload={"amount": float("-inf")})).encode(),
        "duplicate": (b'{"kind": "address-change", "personalID": "' + cid.encode()
                      + b'", "personalID": "1101700230705", "consentedAt": "'
                      + dt.datetime.now(dt.UTC).isoformat().encode()
                      + b'", "payload": {}}'),
        "zeros": _good("0000000000000"),
        "check_digit": _good(wrong_digit),
        "unregistered": _good(unregistered),
        "consent_9999": _good(cid, consentedAt="9999-12-31T23:59:59+00:00"),
        "consent_old": _good(cid, consentedAt=(dt.datetime.now(dt.UTC)
                                               - dt.timedelta(days=400)).isoformat()),
        "not_utf8": b'{"kind": "\xff\xfe"}',
    }
    r = _submit(logged_in, bodies[case])
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.json()["errorNumber"] == number, r.text


def test_a_deep_query_is_a_400_not_a_500(logged_in: httpx.Client) -> None:
    r = logged_in.post("/api/center/query", content=b"[" * 5000 + b"]" * 5000,
                       headers={**_rid(), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errorNumber"] == 95020
    assert "nested deeper" in r.json()["errorMessage"]


def test_admin_routes_need_their_token_and_answer_bad_input_with_400(
    server: RunningServer, creds: KioskCredentials
) -> None:
    with _http(server.base_url, creds) as http:
        assert http.get("/_admin/faults").status_code == 401
        assert http.get("/_admin/faults", headers={"X-Admin-Token": "guess"}).status_code == 401
        admin = server.admin_headers
        assert http.get("/_admin/faults", headers=admin).status_code == 200
        for path, body in (
            ("/_admin/policy", b"{not json"),
            ("/_admin/policy", b"[1, 2]"),
            ("/_admin/policy", b'{"daily_quota": "many"}'),
            ("/_admin/policy", b'{"token_ttl_s": -5}'),
            ("/_admin/policy", b'{"service_hours": ["25:00", "26:00"]}'),
            ("/_admin/policy", b'{"service_hours": 7}'),
            ("/_admin/faults", b"{not json"),
            ("/_admin/faults", b'{"kind": "no-such-fault"}'),
            ("/_admin/faults", b"[" * 100 + b"]" * 100),
        ):
            r = http.put(path, content=body, headers=admin)
            assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
        assert server.policy.token_ttl_s > 0  # nothing half-applied
        r = http.put("/_admin/policy", json={"daily_quota": 5}, headers=admin)
        assert r.status_code == 200 and r.json()["daily_quota"] == 5


# -- the server as its own process: huge, slow and deep bodies in bounded memory -----------


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


@contextlib.contextmanager
def _server_process(tmp_path: Path) -> Iterator[tuple[int, int, KioskCredentials]]:
    pki = tmp_path / "pki"
    creds = ensure_kiosk_credentials(pki, "TEST-1017-01")
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.linkage_server", "--port", "0",
         "--state-dir", str(tmp_path / "state"), "--pki-dir", str(pki),
         "--body-timeout", "2"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        assert proc.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(timeout=120)
        assert line and "https://" in line[0], f"server did not start: {line}"
        port = int(line[0].split("https://")[1].split()[0].rsplit(":", 1)[1])
        yield proc.pid, port, creds
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _tls(port: int, creds: KioskCredentials) -> ssl.SSLSocket:
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def _status(sock: ssl.SSLSocket) -> int:
    """The status code of the answer (socket timeout 30 s: fails loudly, never hangs)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise AssertionError(f"connection closed without an answer: {data!r}")
        data += chunk
    return int(data.split(b" ", 2)[1])


def _answered_yet(sock: ssl.SSLSocket) -> bytes:
    """Application data the server sent so far, without waiting (TLS 1.3 session tickets
    make the raw socket readable, so `select` cannot tell)."""
    sock.settimeout(0.0)
    try:
        return sock.recv(4096)
    except ssl.SSLWantReadError:
        return b""
    finally:
        sock.settimeout(30)


def _head(extra: str, token: str = "") -> bytes:
    return (f"POST /api/agency/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nX-Request-ID: {uuid.uuid4()}\r\n"
            f"Authorization: Bearer {token}\r\nIdempotency-Key: {uuid.uuid4()}\r\n"
            f"{extra}\r\n").encode()


def _token(port: int, creds: KioskCredentials) -> str:
    """A real login: the hostile requests below come from an authenticated kiosk."""
    from linkage.helpers import make_client

    class At:
        base_url = f"https://127.0.0.1:{port}"

    with make_client(At(), creds) as client:  # type: ignore[arg-type]
        client.login()
        return client.auth.current()


def test_hostile_bodies_in_bounded_memory(tmp_path: Path) -> None:
    with _server_process(tmp_path) as (pid, port, creds):
        token = _token(port, creds)
        with _tls(port, creds) as warm:  # one ordinary request: the server is fully up
            warm.sendall(_head("Content-Length: 2\r\n") + b"{}")
            assert _status(warm) == 401
        before_kb = _peak_rss_kb(pid)

        # 300 MB chunked: the answer must come long before the body is through.
        sent = 0
        with _tls(port, creds) as sock:
            sock.sendall(_head("Transfer-Encoding: chunked\r\n", token))
            chunk = b"%x\r\n" % (64 * 1024) + b"[" * (64 * 1024) + b"\r\n"
            answer = b""
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
                while sent < 300 * MB and not answer:
                    sock.sendall(chunk)
                    sent += 64 * 1024
                    answer = _answered_yet(sock)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
        assert sent < 16 * MB, f"server read {sent / MB:.0f} MB before refusing"

        # A declared 300 MB: refused before any body byte.
        with _tls(port, creds) as sock:
            sock.sendall(_head(f"Content-Length: {300 * MB}\r\n", token))
            assert _status(sock) == 413

        # Slow: 10 of 100 bytes, then silence: 408 after the 2 s body timeout.
        with _tls(port, creds) as sock:
            sock.sendall(_head("Content-Length: 100\r\n", token) + b'{"kind": "')
            started = time.monotonic()
            assert _status(sock) == 408
            assert time.monotonic() - started < 25

        # Deep: 30,000 levels within 64 KB.
        body = b"[" * 30_000 + b"]" * 30_000
        with _tls(port, creds) as sock:
            sock.sendall(_head(f"Content-Length: {len(body)}\r\n", token) + body)
            assert _status(sock) == 400

        after_kb = _peak_rss_kb(pid)
    grown_mb = (after_kb - before_kb) / 1024
    print(json.dumps({"server_peak_rss_mb_before": round(before_kb / 1024, 1),
                      "server_peak_rss_mb_after": round(after_kb / 1024, 1),
                      "grown_mb": round(grown_mb, 1), "chunked_sent_mb": sent / MB}))
    assert grown_mb < 32, f"peak RSS grew by {grown_mb:.0f} MB"
