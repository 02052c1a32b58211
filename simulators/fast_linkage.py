"""A Linkage centre that answers a submission in 1 ms: the outbox drain bench's server.

``python -m simulators.fast_linkage --pki-dir DIR [--delay-ms 1]`` prints its URL, then serves
over the same mutual TLS as the reference server (its PKI; a client certificate is
required) on uvicorn, with only what the outbox drain calls:

* ``POST /api/center/login`` and ``/login/confirm`` (a challenge; the signature is not
  checked: the reference server's tests cover login),
* ``GET /api/center/services`` (the sender's reachability probe),
* ``POST /api/agency/submissions``: waits ``--delay-ms`` (asyncio, so other requests go on
  meanwhile), then answers the contract's 201 receipt; a repeated Idempotency-Key gets the
  first receipt again with ``Idempotency-Replayed: true``,
* ``GET /_stats``: ``{"accepted": unique keys, "replays": n, "requests": n,
  "max_in_flight": n, "server_cpu_s": process CPU time}`` — the bench's independent count
  of lost and duplicated items, and the server's share of the CPU.

It exists because the reference server's own per-request work (openapi-core contract
check, limits, the SQLite store) is several ms: against it, the drain measures the server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import os
import ssl
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn

from kiosk.linkage.pki import ensure_server_pki
from simulators.linkage_server.runner import bind_socket

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _stamp(delta_s: float = 0.0) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delta_s)).isoformat()


class FastCentre:
    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.receipts: dict[str, bytes] = {}
        self.replays = 0
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path, method = scope["path"], scope["method"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        extra: list[tuple[bytes, bytes]] = []
        status = 200
        if method == "POST" and path == "/api/center/login":
            answer: object = {"challengeID": str(uuid.uuid4()),
                              "challenge": base64.b64encode(os.urandom(32)).decode(),
                              "expiresAt": _stamp(60)}
        elif method == "POST" and path in ("/api/center/login/confirm",
                                           "/api/center/login/renew"):
            answer = {"accessToken": "fast-" + uuid.uuid4().hex, "tokenType": "Bearer",
                      "expiresAt": _stamp(3600), "expiresIn": 3600}
        elif method == "GET" and path == "/api/center/services":
            answer = {"services": []}
        elif method == "POST" and path == "/api/agency/submissions":
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.delay_s)
            finally:
                self.in_flight -= 1
            key = headers.get("idempotency-key", "")
            first = self.receipts.get(key)
            if first is not None:
                self.replays += 1
                extra.append((b"idempotency-replayed", b"true"))
                await self._send(send, 201, first, extra, headers)
                return
            request = json.loads(body)
            pid = request["personalID"]
            answer = {"submissionID": str(uuid.uuid4()), "kind": request["kind"],
                      "status": "accepted", "receivedAt": _stamp(),
                      "maskedID": f"{pid[0]}-{pid[1:5]}-xxxxx-xx-{pid[-1]}"}
            raw = json.dumps(answer).encode()
            self.receipts[key] = raw
            await self._send(send, 201, raw, extra, headers)
            return
        elif method == "GET" and path == "/_stats":
            answer = {"accepted": len(self.receipts), "replays": self.replays,
                      "requests": self.requests, "max_in_flight": self.max_in_flight,
                      "server_cpu_s": time.process_time()}
        else:
            status, answer = 404, {"errorNumber": 404, "errorMessage": "not here"}
        await self._send(send, status, json.dumps(answer).encode(), extra, headers)

    @staticmethod
    async def _send(send: Send, status: int, raw: bytes, extra: list[tuple[bytes, bytes]],
                    headers: dict[str, str]) -> None:
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
            (b"x-request-id", request_id.encode()), *extra]})
        await send({"type": "http.response.body", "body": raw})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pki-dir", type=Path, required=True)
    parser.add_argument("--delay-ms", type=float, default=1.0)
    args = parser.parse_args()
    pki = ensure_server_pki(args.pki_dir)
    sock = bind_socket("127.0.0.1", 0)
    print(f"fast Linkage centre on https://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        FastCentre(args.delay_ms / 1000.0), ssl_certfile=str(pki.cert_file),
        ssl_keyfile=str(pki.key_file), ssl_ca_certs=str(pki.ca_file),
        ssl_cert_reqs=ssl.CERT_REQUIRED, lifespan="off", loop="auto", log_config=None,
        log_level="warning", access_log=False, timeout_keep_alive=30)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
