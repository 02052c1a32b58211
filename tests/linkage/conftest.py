"""Fixtures: the reference Linkage server over real loopback TLS (free port, fresh PKI in
tmp_path) and clients holding a kiosk certificate from that PKI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config.loader import read_secret
from kiosk.linkage.client import LinkageClient, Timeouts, tls_context
from kiosk.linkage.models import Consent
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials
from kiosk.linkage.retry import RetryPolicy
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import RunningServer, run_in_thread
from simulators.seeds import load_seeds

KIOSK_ID = "TEST-1017-01"


@pytest.fixture(scope="session")
def seeds() -> SeedIndex:
    return SeedIndex.from_seeds(load_seeds())


@pytest.fixture(scope="session")
def citizen_by(seeds: SeedIndex) -> Callable[..., Any]:
    """Find a seed citizen by a predicate on (citizen, card record)."""
    data = load_seeds()

    def find(predicate: Callable[[Any, Any], bool]) -> Any:
        for citizen in data.citizens:
            card = seeds.card(citizen.cid)
            if card is not None and predicate(citizen, card):
                return citizen
        raise LookupError("no seed citizen fits")

    return find


@pytest.fixture(scope="session")
def ordinary(citizen_by: Callable[..., Any]) -> Any:
    """Alive, active latest card, NHSO rights, a household, a name change and welfare."""
    return citizen_by(
        lambda c, card: c.status.alive and card.state == "active" and card.is_latest
        and not card.expired and c.nhso is not None and c.name_history and c.welfare
    )


def consent_for(citizen: Any, *, at: dt.datetime | None = None) -> Consent:
    return Consent(
        type="card", personalID=citizen.cid, chipNo=citizen.card.chip_no,
        requestNo=citizen.card.request_no, consentedAt=at or dt.datetime.now(dt.UTC),
    )


@pytest.fixture
def pki_dir(tmp_path: Path) -> Path:
    return tmp_path / "pki"


@pytest.fixture
def creds(pki_dir: Path) -> KioskCredentials:
    return ensure_kiosk_credentials(pki_dir, KIOSK_ID)


@pytest.fixture
def server(tmp_path: Path, creds: KioskCredentials, seeds: SeedIndex
           ) -> Iterator[RunningServer]:
    srv = run_in_thread(state_dir=tmp_path / "server", pki_dir=creds.ca_file.parent,
                        seeds=seeds)
    try:
        yield srv
    finally:
        srv.stop()


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
    return LinkageClient(**kwargs)


@pytest.fixture
def client(server: RunningServer, creds: KioskCredentials) -> Iterator[LinkageClient]:
    with make_client(server, creds) as c:
        yield c
