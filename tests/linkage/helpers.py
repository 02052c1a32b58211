"""Shared helpers of the Linkage tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import httpx

from kiosk.config.loader import read_secret
from kiosk.linkage.client import LinkageClient, Timeouts, tls_context
from kiosk.linkage.models import Consent
from kiosk.linkage.pki import KioskCredentials
from kiosk.linkage.retry import RetryPolicy
from simulators.linkage_server.contract import Contract
from simulators.linkage_server.runner import RunningServer

KIOSK_ID = "TEST-1017-01"


def consent_for(citizen: Any, *, at: dt.datetime | None = None) -> Consent:
    return Consent(
        type="card", personalID=citizen.cid, chipNo=citizen.card.chip_no,
        requestNo=citizen.card.request_no, consentedAt=at or dt.datetime.now(dt.UTC),
    )


class NoSleep:
    """Records the waits the client asks for instead of sleeping (keeps tests fast); the
    HTTP exchanges themselves are real."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(server: RunningServer, creds: KioskCredentials, **overrides: Any
                ) -> LinkageClient:
    kwargs: dict[str, Any] = {
        "base_url": server.base_url,
        "kiosk_id": creds.kiosk_id,
        "ssl_context": tls_context(creds.ca_file, creds.cert_file, creds.key_file),
        "device_key_pem": read_secret(creds.device_key_file, what="device key"),
        "timeouts": Timeouts(connect_s=2.0, read_s=3.0, total_s=8.0),
        "retry": RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05, total_s=8.0),
    }
    kwargs.update(overrides)
    client = LinkageClient(**kwargs)
    check_requests_against_contract(client, contract())
    return client


@functools.cache
def contract() -> Contract:
    """docs/linkage-api.yaml, read once per test run."""
    return Contract()


def check_requests_against_contract(client: LinkageClient, checker: Contract) -> None:
    """The client's side of the oracle: every request it sends is checked against the
    document (openapi-core, not our models) before it leaves, at the client's transport
    (the one cut-off point all its calls pass); one the document does not allow fails the
    test right there. Requests a test makes on purpose through ``client._http`` (no kiosk
    User-Agent) are left to the server's side of the oracle."""
    transport = client._transport
    send = transport.handle_request

    def checked(request: httpx.Request) -> httpx.Response:
        if not request.headers.get("user-agent", "").startswith("linkage-kiosk/"):
            return send(request)  # a test's own raw request through client._http, not ours
        errors = checker.check_request(
            request.method, request.url.path, request.url.query.decode("ascii"),
            list(request.headers.multi_items()), request.read())
        if errors:
            raise AssertionError(f"client request against docs/linkage-api.yaml: "
                                 f"{request.method} {request.url.path}: {'; '.join(errors)}")
        return send(request)

    transport.handle_request = checked  # type: ignore[method-assign]
