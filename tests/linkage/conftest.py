"""Fixtures: the reference Linkage server over real loopback TLS (free port, fresh PKI in
tmp_path) and clients holding a kiosk certificate from that PKI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.linkage.client import LinkageClient
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials
from linkage.helpers import KIOSK_ID, make_client
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import RunningServer, run_in_thread
from simulators.seeds import load_seeds


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
    srv.server.contract.assert_kept()  # every answer and accepted request as documented


@pytest.fixture
def client(server: RunningServer, creds: KioskCredentials) -> Iterator[LinkageClient]:
    with make_client(server, creds) as c:
        yield c
