"""Benchmark: the pooled Linkage client vs a client that opens a new TLS connection per call.

Both talk to the reference server (its own process, loopback mutual TLS) in the same run,
in alternating blocks so drift hits both alike. Per call we record the client-side
overhead: wall time of `client.query(...)` (request build, TLS, HTTP, JSON parse, model
validation) minus the whole of the server's time, ``Server-Timing: total;dur`` (set by the
server's outermost layer: its limits, contract check and routes). The server's share is
reported beside it: the server's median ms per call, each layer's (limits, contract, app),
and server time / wall time. If the server ever stops sending ``total`` the bench fails
rather than subtracting less than the whole.

A third, lower baseline in the same blocks: ``raw_tls_floor``, the same query with no HTTP
library at all (one kept-open TLS socket from the same `SSLContext`, the request written by
hand in one write, the answer read to its Content-Length and parsed by the same models). What
its overhead holds — TLS records, loopback, wake-ups, the server's own HTTP layer outside
``total``, the models — no client can shed; ``pooled_above_floor_ms`` is what the HTTP stack
and the client's own logic add on top (the figure a faster client would move).

    .venv/bin/python bench/linkage_client.py [--queries 1000] [--rounds 3]

Prints a table, then ONE JSON object of the figures as the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kiosk.config.loader import read_secret  # noqa: E402
from kiosk.linkage import models as M  # noqa: E402
from kiosk.linkage.answers import parse_server_timing  # noqa: E402
from kiosk.linkage.client import LinkageClient, tls_context  # noqa: E402
from kiosk.linkage.models import Consent  # noqa: E402
from kiosk.linkage.pki import ensure_kiosk_credentials  # noqa: E402
from simulators.reference_centre import await_url  # noqa: E402
from simulators.seeds import load_seeds  # noqa: E402

KIOSK_ID = "BENCH-1017-01"
BLOCK = 100


def start_server(state: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulators.linkage_server", "--host", "127.0.0.1",
         "--port", "0", "--state-dir", str(state)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    return proc, await_url(proc)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


SERVER_PARTS = ("total", "limits", "contract", "app")


def one_call(client: LinkageClient, consent: Consent,
             server: dict[str, list[float]] | None = None) -> float:
    started = time.perf_counter()
    result = client.query(consent, [1])
    wall_ms = (time.perf_counter() - started) * 1000
    assert result[1].error is None
    last = client.last
    assert last is not None and "total" in last.server_timings, "no Server-Timing total"
    if server is not None:
        for part in SERVER_PARTS:
            server[part].append(last.server_timings.get(part, 0.0))
        server["wall"].append(wall_ms)
    return wall_ms - last.server_timings["total"]


class RawTlsFloor:
    """The floor under any HTTP client (see the module's docstring). Not a client: it
    assumes the one well-formed ``Content-Length`` answer the reference server gives."""

    def __init__(self, base_url: str, ctx: ssl.SSLContext, bearer: Callable[[], str],
                 job_id: str) -> None:
        host, port = base_url.removeprefix("https://").rstrip("/").rsplit(":", 1)
        self._host, self._bearer, self._job_id = f"{host}:{port}", bearer, job_id
        raw = socket.create_connection((host, int(port)), timeout=10)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = ctx.wrap_socket(raw, server_hostname=host)

    def query(self, consent: Consent) -> dict[str, float]:
        body = M.QueryRequest(jobID=self._job_id, consent=consent, data=[M.ServiceRequest(
            serviceID=1, query=M.PersonQuery(personalID=consent.personalID))],
        ).model_dump_json().encode()
        head = (f"POST /api/center/query HTTP/1.1\r\nHost: {self._host}\r\n"
                f"Accept: application/json\r\nContent-Type: application/json\r\n"
                f"{M.REQUEST_ID_HEADER}: {uuid.uuid4()}\r\n"
                f"Authorization: Bearer {self._bearer()}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self._sock.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            data += self._sock.recv(65536)
        status_and_headers, _, answer = data.partition(b"\r\n\r\n")
        lines = status_and_headers.decode("latin-1").split("\r\n")
        assert lines[0].startswith("HTTP/1.1 200"), lines[0]
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        while len(answer) < int(headers["content-length"]):
            answer += self._sock.recv(65536)
        result = M.QueryResponse.model_validate_json(answer)
        assert result.data[0].responseError is None
        return parse_server_timing(headers["server-timing"])

    def close(self) -> None:
        self._sock.close()


def floor_call(floor: RawTlsFloor, consent: Consent,
               server: dict[str, list[float]] | None = None) -> float:
    started = time.perf_counter()
    timings = floor.query(consent)
    wall_ms = (time.perf_counter() - started) * 1000
    if server is not None:
        for part in SERVER_PARTS:
            server[part].append(timings.get(part, 0.0))
        server["wall"].append(wall_ms)
    return wall_ms - timings["total"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=1000, help="per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    from check import quick  # bench/check.py: BENCH_QUICK=1 is the short setting
    parser.set_defaults(**quick(queries=300, rounds=2))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "server"
        creds = ensure_kiosk_credentials(state / "pki", KIOSK_ID)
        proc, base_url = start_server(state)
        try:
            ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
            device = read_secret(creds.device_key_file, what="device key")
            pooled = LinkageClient(base_url=base_url, kiosk_id=KIOSK_ID, ssl_context=ctx,
                                   device_key_pem=device)
            fresh = LinkageClient(base_url=base_url, kiosk_id=KIOSK_ID, ssl_context=ctx,
                                  device_key_pem=device, pooled=False)
            citizen = next(c for c in load_seeds().citizens
                           if c.status.card_state == "active" and c.status.alive)
            pooled.login()
            floor = RawTlsFloor(base_url, ctx, pooled.auth.current, pooled.job_id)
            calls: dict[str, Callable[..., float]] = {
                "pooled": functools.partial(one_call, pooled),
                "new_connection": functools.partial(one_call, fresh),
                "raw_tls_floor": functools.partial(floor_call, floor),
            }
            load_before = os.getloadavg()[0]
            cpu: dict[str, float] = dict.fromkeys(calls, 0.0)
            samples: dict[str, list[float]] = {name: [] for name in calls}
            server: dict[str, dict[str, list[float]]] = {
                name: {part: [] for part in (*SERVER_PARTS, "wall")} for name in calls}
            round_medians: dict[str, list[float]] = {name: [] for name in calls}
            for _round in range(args.rounds):
                consent = Consent(type="card", personalID=citizen.cid,
                                  chipNo=citizen.card.chip_no,
                                  requestNo=citizen.card.request_no,
                                  consentedAt=dt.datetime.now(dt.UTC))
                for call in calls.values():  # warm-up: login, first handshake, caches
                    for _ in range(20):
                        call(consent)
                this_round: dict[str, list[float]] = {name: [] for name in calls}
                for _block in range(args.queries // BLOCK):
                    for name, call in calls.items():
                        cpu_start = time.process_time()
                        this_round[name] += [call(consent, server[name]) for _ in range(BLOCK)]
                        cpu[name] += time.process_time() - cpu_start
                for name, values in this_round.items():
                    samples[name] += values
                    round_medians[name].append(statistics.median(values))
            floor.close()
            assert pooled.coalesced_writes and fresh.coalesced_writes
            pooled.close()
            fresh.close()
            load_after = os.getloadavg()[0]
        finally:
            proc.terminate()
            proc.wait(10)

    figures: dict[str, object] = {"bench": "linkage_client",
                                  "queries_per_client_per_round": args.queries,
                                  "rounds": args.rounds}
    print(f"{'client':<16}{'median ms':>10}{'p99 ms':>10}{'round medians (spread)':>34}")
    for name, values in samples.items():
        median, p99 = statistics.median(values), percentile(values, 0.99)
        rounds = round_medians[name]
        print(f"{name:<16}{median:>10.3f}{p99:>10.3f}    "
              f"{', '.join(f'{m:.3f}' for m in rounds)} ({max(rounds) - min(rounds):.3f})")
        figures[f"{name}_overhead_median_ms"] = round(median, 3)
        figures[f"{name}_overhead_p99_ms"] = round(p99, 3)
        # the floor: the call with the least scheduling noise on a busy machine; a slower
        # client raises it by the whole of its slowdown (bench/check.py watches it)
        figures[f"{name}_overhead_min_ms"] = round(min(values), 3)
        figures[f"{name}_round_medians_ms"] = [round(m, 3) for m in rounds]
        figures[f"{name}_client_cpu_per_call_ms"] = round(cpu[name] * 1000 / len(values), 3)
        parts = server[name]
        figures[f"{name}_server_median_ms"] = {
            part: round(statistics.median(parts[part]), 3) for part in SERVER_PARTS}
        figures[f"{name}_server_share_of_wall"] = round(
            sum(parts["total"]) / sum(parts["wall"]), 3)
    ratio = figures["new_connection_overhead_median_ms"] / figures["pooled_overhead_median_ms"]
    figures["median_ratio_new_connection_vs_pooled"] = round(ratio, 2)
    figures["round_ratios"] = [
        round(n / p, 2) for n, p in zip(round_medians["new_connection"],
                                        round_medians["pooled"], strict=True)
    ]
    floor_ms = figures["raw_tls_floor_overhead_median_ms"]
    figures["pooled_above_floor_ms"] = round(figures["pooled_overhead_median_ms"] - floor_ms, 3)
    figures["new_connection_above_floor_ms"] = round(
        figures["new_connection_overhead_median_ms"] - floor_ms, 3)
    figures["load_average_1min_before_after"] = [round(load_before, 2), round(load_after, 2)]
    figures["target_pooled_median_under_1ms"] = figures["pooled_overhead_median_ms"] < 1.0
    figures["target_ratio_at_least_5x"] = ratio >= 5.0
    for name in samples:
        share = figures[f"{name}_server_share_of_wall"]
        print(f"{name:<16}server {figures[f'{name}_server_median_ms']} ms, "
              f"{share:.0%} of wall time")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
