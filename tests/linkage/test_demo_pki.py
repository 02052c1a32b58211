"""The demo configuration's PKI: generated when missing, secrets 0600, and a client built
from the settings talks to the embedded-style server."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from kiosk.config import load_settings
from kiosk.config.loader import DEFAULT_CONFIG
from kiosk.linkage.client import LinkageClient
from kiosk.linkage.pki import ensure_demo_pki, read_registry
from linkage.helpers import consent_for
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import run_in_thread


def _demo_settings(tmp_path: Path, base_url: str = "https://127.0.0.1:8443") -> Any:
    settings = load_settings(DEFAULT_CONFIG)
    pki = tmp_path / "pki"
    linkage = settings.linkage.model_copy(update={
        "base_url": base_url,
        "ca_file": pki / "ca.pem",
        "client_cert_file": pki / "kiosk.pem",
        "client_key_file": pki / "kiosk.key",
        "device_key_file": pki / "device-ed25519.key",
        "receipt_signing_key_file": pki / "receipt-ed25519.key",
    })
    return settings.model_copy(update={"linkage": linkage})


def test_demo_pki_is_generated_once_with_private_keys(tmp_path: Path) -> None:
    settings = _demo_settings(tmp_path)
    server = ensure_demo_pki(settings)
    link = settings.linkage
    for secret in (link.client_key_file, link.device_key_file, link.receipt_signing_key_file,
                   server.key_file, link.ca_file.parent / "ca.key"):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert settings.kiosk.id in read_registry(server.registry_file)
    before = link.client_cert_file.read_bytes(), link.device_key_file.read_bytes()
    ensure_demo_pki(settings)  # a second start keeps what exists
    assert (link.client_cert_file.read_bytes(), link.device_key_file.read_bytes()) == before


def test_client_from_demo_settings(tmp_path: Path, seeds: SeedIndex, ordinary: Any) -> None:
    settings = _demo_settings(tmp_path)
    ensure_demo_pki(settings)
    with run_in_thread(state_dir=tmp_path / "srv", pki_dir=settings.linkage.ca_file.parent,
                       seeds=seeds) as srv:
        settings = _demo_settings(tmp_path, srv.base_url)
        with LinkageClient.from_settings(settings) as client:
            assert client.kiosk_id == settings.kiosk.id
            assert client.query(consent_for(ordinary), [1])[1].error is None
            # Through "localhost" too: the server certificate names both.
            assert client.last is not None
        local = srv.base_url.replace("127.0.0.1", "localhost")
        with LinkageClient.from_settings(_demo_settings(tmp_path, local)) as client:
            assert len(client.services().services) == 7
