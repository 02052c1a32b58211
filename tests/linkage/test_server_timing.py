"""Server-Timing: set by the reference server's outermost layer, covering all it does, with
each layer's share in the same header. Read from real TLS answers on loopback and parsed
here by the W3C grammar (not by the kiosk's parser)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kiosk.linkage.answers import parse_server_timing
from kiosk.linkage.client import LinkageClient, tls_context
from kiosk.linkage.pki import KioskCredentials
from linkage.helpers import consent_for
from simulators.linkage_server import timing
from simulators.linkage_server.contract import Contract, ContractMiddleware
from simulators.linkage_server.faults import FaultKind
from simulators.linkage_server.runner import RunningServer

# W3C Server Timing: server-timing = #server-timing-metric;
# metric = metric-name *( OWS ";" OWS server-timing-param ); name = token; param = token "=" value
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
METRIC = re.compile(rf"^({TOKEN})((?:\s*;\s*{TOKEN}=(?:{TOKEN}|\"[^\"]*\"))*)$")
INJECTED_S = 10.0
"""A contract check's cost, added to the server's clock (no sleep): far above any real
layer's time, so where it is counted is not a race."""


def metrics(header: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in header.split(","):
        match = METRIC.match(item.strip())
        assert match, f"not a Server-Timing metric: {item!r}"
        params = dict(p.strip().split("=", 1) for p in match.group(2).split(";") if p.strip())
        found[match.group(1)] = float(params["dur"])
    return found


@pytest.fixture
def raw(server: RunningServer, creds: KioskCredentials) -> Iterator[httpx.Client]:
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    with httpx.Client(base_url=server.base_url, verify=ctx, timeout=10) as http:
        yield http


def _login(raw: httpx.Client, creds: KioskCredentials) -> httpx.Response:
    return raw.post("/api/center/login", json={"kioskID": creds.kiosk_id},
                    headers={"X-Request-ID": str(uuid.uuid4())})


def test_one_header_names_total_and_each_layer(raw: httpx.Client,
                                               creds: KioskCredentials) -> None:
    answer = _login(raw, creds)
    assert answer.status_code == 200
    assert len(answer.headers.get_list("server-timing")) == 1  # one layer sets it
    found = metrics(answer.headers["server-timing"])
    assert list(found) == ["total", "limits", "contract", "app"]
    assert all(v >= 0 for v in found.values())
    # The layers' own shares nest inside the whole.
    assert found["limits"] + found["contract"] + found["app"] <= found["total"] + 0.01


def test_a_slow_contract_check_is_the_servers_time_not_the_clients(
        server: RunningServer, raw: httpx.Client, creds: KioskCredentials,
        monkeypatch: pytest.MonkeyPatch) -> None:
    middleware: Any = server.server.asgi_app
    while not isinstance(middleware, ContractMiddleware):
        middleware = middleware.app
    skew = [0.0]
    real_clock = timing.clock
    monkeypatch.setattr(timing, "clock", lambda: real_clock() + skew[0])

    class SlowContract(Contract):
        def request_errors(self, request: Any) -> tuple[str, ...]:
            skew[0] += INJECTED_S  # server-side cost injected into the contract layer
            return super().request_errors(request)

    kept, middleware.contract = middleware.contract, SlowContract()
    try:
        answer = _login(raw, creds)
    finally:
        middleware.contract = kept
    found = metrics(answer.headers["server-timing"])
    assert found["contract"] >= INJECTED_S * 1000
    assert found["total"] >= found["contract"]
    assert found["app"] < found["contract"]  # counted where it happened


def test_a_refusal_by_the_limits_layer_is_timed_too(raw: httpx.Client) -> None:
    answer = raw.get("/_admin/policy", headers={"X-Request-ID": str(uuid.uuid4())})
    assert answer.status_code == 401  # no admin token: refused before the contract layer
    found = metrics(answer.headers["server-timing"])
    assert list(found) == ["total", "limits"]


def test_client_takes_the_total_and_keeps_every_part(client: LinkageClient,
                                                     server: RunningServer,
                                                     ordinary: Any) -> None:
    client.login()  # the fault below hits the query, not the login
    server.faults.set(FaultKind.LATENCY, latency_ms=80, count=1)
    client.query(consent_for(ordinary), [1])
    last = client.last
    assert last is not None and last.server_ms is not None
    assert set(last.server_timings) >= {"total", "limits", "contract", "app"}
    assert last.server_ms == last.server_timings["total"] >= 80
    assert last.server_timings["app"] >= 80  # the injected latency sits in the routes
    assert last.wall_ms >= last.server_ms


@pytest.mark.parametrize(("header", "expected"), [
    ("total;dur=1.5, app;dur=0.5", {"total": 1.5, "app": 0.5}),
    ('db;desc="x";dur=2', {"db": 2.0}),
    ("cache, app;dur=oops, miss;dur=3", {"miss": 3.0}),
    ("app;dur=1, app;dur=9", {"app": 1.0}),
    ("", {}),
])
def test_kiosk_parser_follows_the_grammar(header: str, expected: dict[str, float]) -> None:
    assert parse_server_timing(header) == expected
