"""Mutual TLS and kiosk login: what is refused, and the token's life."""

from __future__ import annotations

import json
import ssl
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.linkage import errors as E
from kiosk.linkage.client import LinkageClient, tls_context
from kiosk.linkage.pki import (
    REGISTRY_FILE,
    KioskCredentials,
    ensure_kiosk_credentials,
    ensure_server_pki,
)
from linkage.helpers import consent_for, make_client
from simulators.linkage_server.runner import RunningServer


def _raw(server: RunningServer, creds: KioskCredentials) -> httpx.Client:
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    return httpx.Client(base_url=server.base_url, verify=ctx, timeout=5)


def _rid() -> dict[str, str]:
    return {"X-Request-ID": str(uuid.uuid4())}


def test_client_refuses_a_server_from_another_ca(server: RunningServer,
                                                 creds: KioskCredentials,
                                                 tmp_path: Path) -> None:
    other = ensure_server_pki(tmp_path / "other-pki")
    ctx = tls_context(other.ca_file, creds.cert_file, creds.key_file)
    with (make_client(server, creds, ssl_context=ctx) as client,
          pytest.raises(E.TlsRefused) as info):
        client.login()
    assert info.value.message_key == "linkage.unavailable"


def test_server_refuses_a_client_cert_from_another_ca(server: RunningServer,
                                                      creds: KioskCredentials,
                                                      tmp_path: Path) -> None:
    rogue = ensure_kiosk_credentials(tmp_path / "rogue-pki", creds.kiosk_id)
    ctx = tls_context(creds.ca_file, rogue.cert_file, rogue.key_file)
    with make_client(server, creds, ssl_context=ctx) as client, pytest.raises(E.TransportError):
        client.login()


def test_server_refuses_a_client_without_certificate(server: RunningServer,
                                                     creds: KioskCredentials) -> None:
    ctx = ssl.create_default_context(cafile=str(creds.ca_file))
    refused = (httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError)
    with (httpx.Client(base_url=server.base_url, verify=ctx, timeout=5) as raw,
          pytest.raises(refused)):
        raw.post("/api/center/login", json={"kioskID": creds.kiosk_id}, headers=_rid())


def test_plain_http_base_url_is_refused(creds: KioskCredentials) -> None:
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    with pytest.raises(ValueError, match="https"):
        LinkageClient(base_url="http://127.0.0.1:1", kiosk_id=creds.kiosk_id, ssl_context=ctx,
                      device_key_pem=creds.device_key_file.read_bytes())


def test_loose_client_key_file_is_refused(creds: KioskCredentials) -> None:
    from kiosk.config import ConfigError

    creds.key_file.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        tls_context(creds.ca_file, creds.cert_file, creds.key_file)


def test_requests_without_or_with_expired_token_are_refused(server: RunningServer,
                                                            creds: KioskCredentials,
                                                            ordinary: Any) -> None:
    with make_client(server, creds) as client, _raw(server, creds) as raw:
        client.login()
        token = client.auth.current()
        body = {"personalID": ordinary.cid, "requestNo": ordinary.card.request_no}
        no_token = raw.post("/api/center/card-status", json=body, headers=_rid())
        assert no_token.status_code == 401
        assert no_token.json()["errorNumber"] == 90001
        assert raw.post("/api/center/card-status", json=body,
                        headers={**_rid(), "Authorization": f"Bearer {token}"}
                        ).status_code == 200
        # A token whose lifetime is zero is expired whenever it is used (no sleeping).
        server.policy.token_ttl_s = 0
        with make_client(server, creds) as late:
            late.login()
            stale = late.auth.current()
        expired = raw.post("/api/center/card-status", json=body,
                           headers={**_rid(), "Authorization": f"Bearer {stale}"})
        assert expired.json() == {"errorNumber": 90001, "errorMessage": "token expired"}


def test_token_of_another_kiosk_is_refused(server: RunningServer, creds: KioskCredentials,
                                           ordinary: Any) -> None:
    other = ensure_kiosk_credentials(creds.ca_file.parent, "TEST-1017-02")
    with make_client(server, other) as other_client, _raw(server, creds) as raw:
        other_client.login()
        stolen = other_client.auth.current()
        r = raw.get("/api/center/services",
                    headers={**_rid(), "Authorization": f"Bearer {stolen}"})
        assert r.status_code == 401


def test_unregistered_kiosk_cannot_log_in(server: RunningServer, creds: KioskCredentials) -> None:
    stranger = ensure_kiosk_credentials(creds.ca_file.parent, "TEST-9999-01")
    registry = creds.ca_file.parent / REGISTRY_FILE
    data = json.loads(registry.read_text())
    del data["TEST-9999-01"]
    registry.write_text(json.dumps(data))
    with make_client(server, stranger) as client, pytest.raises(E.NoLinkageRights) as info:
        client.login()
    assert info.value.message_key == "linkage.not_permitted"


def test_wrong_device_key_cannot_log_in(server: RunningServer, creds: KioskCredentials) -> None:
    impostor = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with (make_client(server, creds, device_key_pem=impostor) as client,
          pytest.raises(E.NotLoggedIn, match="signature")):
        client.login()


def test_token_is_renewed_before_it_expires(server: RunningServer, creds: KioskCredentials,
                                            ordinary: Any) -> None:
    now = [1000.0]
    with make_client(server, creds, clock=lambda: now[0]) as client:
        client.query(consent_for(ordinary), [1])
        first = client.auth.current()
        assert (client.auth.logins, client.auth.renewals) == (1, 0)
        now[0] += 3600 - 500  # under 10 minutes left
        client.query(consent_for(ordinary), [1])
        assert (client.auth.logins, client.auth.renewals) == (1, 1)
        assert client.auth.current() != first
    with _raw(server, creds) as raw:  # the renewed-away token is dead
        r = raw.get("/api/center/services", headers={**_rid(), "Authorization": f"Bearer {first}"})
        assert r.status_code == 401


def test_every_response_echoes_the_request_id(server: RunningServer,
                                              creds: KioskCredentials) -> None:
    with _raw(server, creds) as raw:
        rid = _rid()
        r = raw.post("/api/center/login", json={"kioskID": creds.kiosk_id}, headers=rid)
        assert r.status_code == 200 and r.headers["x-request-id"] == rid["X-Request-ID"]
        missing = raw.post("/api/center/login", json={"kioskID": creds.kiosk_id})
        assert missing.status_code == 400
        assert missing.json()["errorNumber"] == 95020
        assert uuid.UUID(missing.headers["x-request-id"])


def test_login_challenge_is_single_use(server: RunningServer, creds: KioskCredentials) -> None:
    from kiosk.linkage.auth import load_device_key
    from kiosk.linkage.models import login_message

    key = load_device_key(creds.device_key_file.read_bytes())
    with _raw(server, creds) as raw:
        ch = raw.post("/api/center/login", json={"kioskID": creds.kiosk_id},
                      headers=_rid()).json()
        import base64

        sig = base64.b64encode(key.sign(login_message(creds.kiosk_id, ch["challenge"]))).decode()
        confirm = {"kioskID": creds.kiosk_id, "challengeID": ch["challengeID"], "signature": sig}
        assert raw.post("/api/center/login/confirm", json=confirm,
                        headers=_rid()).status_code == 200
        again = raw.post("/api/center/login/confirm", json=confirm, headers=_rid())
        assert again.status_code == 401 and again.json()["errorNumber"] == 90001
