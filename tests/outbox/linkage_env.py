"""The reference Linkage server and a kiosk's credentials for the outbox tests.

Helpers only (imported by the tests and by the crash-test worker processes); the server is
the real ASGI app on uvicorn over mutual TLS on a free loopback port.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

from kiosk.config.loader import REPO_ROOT, read_secret
from kiosk.linkage import models as M
from kiosk.linkage.client import LinkageClient, Timeouts, tls_context
from kiosk.linkage.pki import KioskCredentials, ensure_kiosk_credentials
from kiosk.linkage.retry import RetryPolicy as ClientRetryPolicy
from simulators.reference_centre import registered_citizen

KIOSK_ID = "TEST-1017-01"


def credentials(pki_dir: Path) -> KioskCredentials:
    return ensure_kiosk_credentials(pki_dir, KIOSK_ID)


def linkage_client(base_url: str, creds: KioskCredentials,
                   max_connections: int = 1) -> LinkageClient:
    return LinkageClient(
        max_connections=max_connections,
        base_url=base_url,
        kiosk_id=creds.kiosk_id,
        ssl_context=tls_context(creds.ca_file, creds.cert_file, creds.key_file),
        device_key_pem=read_secret(creds.device_key_file, what="device key"),
        timeouts=Timeouts(connect_s=2.0, read_s=5.0, total_s=8.0),
        retry=ClientRetryPolicy(max_attempts=1, total_s=8.0),
    )


def submission(n: int) -> M.SubmissionRequest:
    """A service request for a synthetic citizen (generated ID, never a real person)."""
    return M.SubmissionRequest(
        kind="address-change",
        personalID=registered_citizen(n),
        consentedAt=dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0),
        payload={"newAddress": f"{n} ถนนราชดำเนิน", "n": n},
    )


def audit_event(event_id: str | None = None) -> M.AuditEvent:
    return M.AuditEvent(
        eventID=event_id or str(uuid.uuid4()),
        occurredAt=dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC),
        type="session.finished",
        kioskID=KIOSK_ID,
        outcome="ok",
    )


def write_kiosk_config(directory: Path, base_url: str) -> Path:
    """The demo config with its state in ``directory`` and the given server."""
    conf = directory / "conf"
    shutil.copytree(REPO_ROOT / "config", conf)  # the files the config names ship beside it
    text = (REPO_ROOT / "config" / "kiosk.toml").read_text("utf-8")
    text = text.replace('"../seeds/citizens.json"', f'"{REPO_ROOT}/seeds/citizens.json"')
    text = text.replace('base_url = "https://127.0.0.1:8443"', f'base_url = "{base_url}"')
    text = text.replace("embedded_server = true", "embedded_server = false")
    text = text.replace('key_file = "../.state/pki/outbox.key"',
                        'key_file = "../.state/pki/outbox.key"\nmax_attempts = 1000\n'
                        "backoff_base_s = 0.02\nbackoff_cap_s = 0.3")
    path = conf / "kiosk.toml"
    path.write_text(text, "utf-8")
    return path
