"""Fixtures: the ThaID provider, the Linkage server with its ThaID gateway and the redirect
listener, all on real loopback TLS with real RS256 signatures; a kiosk client with its
certificate (mutual TLS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from linkage.helpers import KIOSK_ID, make_client

from kiosk.linkage.client import LinkageClient
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials
from simulators.seeds import load_seeds
from simulators.thaid.stack import HolderStack, run_holder_stack


@pytest.fixture(scope="session")
def holder_pid() -> str:
    """The citizen whose card is in the slot."""
    return load_seeds().citizens[0].cid


@pytest.fixture(scope="session")
def other_pid() -> str:
    """Somebody else, with their own ThaID app."""
    return load_seeds().citizens[1].cid


@pytest.fixture
def creds(tmp_path: Path) -> KioskCredentials:
    return ensure_kiosk_credentials(tmp_path / "pki", KIOSK_ID)


@pytest.fixture
def stack(tmp_path: Path, creds: KioskCredentials) -> Iterator[HolderStack]:
    with run_holder_stack(state_dir=tmp_path / "server", pki_dir=creds.ca_file.parent) as s:
        yield s


@pytest.fixture
def client(stack: HolderStack, creds: KioskCredentials) -> Iterator[LinkageClient]:
    with make_client(stack.server, creds) as c:
        yield c
