"""The reference server against the published contract, checked by an external tool
(schemathesis, as a subprocess) over the live mutual-TLS server; and the committed
OpenAPI document against its builder."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk.domain import mask_cid
from kiosk.linkage.client import LinkageClient
from kiosk.linkage.pki import KioskCredentials
from linkage.helpers import consent_for
from simulators.linkage_server import openapi
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import RunningServer
from simulators.thaid.stack import run_holder_stack

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "linkage-api.yaml"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_committed_document_is_current() -> None:
    committed = yaml.safe_load(DOC.read_text("utf-8"))
    assert committed == yaml.safe_load(openapi.render()), (
        "docs/linkage-api.yaml is stale: python -m simulators.linkage_server.openapi "
        "> docs/linkage-api.yaml"
    )
    assert committed["openapi"].startswith("3.1")


def _with_live_examples(doc: dict[str, Any], kiosk_id: str, citizen: Any) -> dict[str, Any]:
    """The document plus request examples that the live server accepts (our kiosk, a seed
    citizen, a fresh consent), so schemathesis also checks the success answers."""
    now = dt.datetime.now(dt.UTC).isoformat()
    consent = consent_for(citizen).model_dump(mode="json")
    examples = {
        "/api/center/login": {"kioskID": kiosk_id},
        "/api/center/query": {"jobID": "KIOSK-SELF-SERVICE", "consent": consent,
                              "data": [{"serviceID": s, "query": {"personalID": citizen.cid}}
                                       for s in (1, 9, 10, 32, 144, 901, 902)]},
        "/api/center/card-status": {"personalID": citizen.cid,
                                    "requestNo": citizen.card.request_no},
        "/api/agency/submissions": {"kind": "address-change-request", "serviceID": 10,
                                    "personalID": citizen.cid, "consentedAt": now,
                                    "payload": {"note": "ย้ายที่อยู่"}},
        "/api/center/audit-events": {"events": [{
            "eventID": str(uuid.uuid4()), "occurredAt": now, "type": "consent",
            "kioskID": kiosk_id, "maskedID": mask_cid(citizen.cid), "services": [1, 10],
            "outcome": "given"}]},
    }
    for path, example in examples.items():
        media = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        media["example"] = example
    return doc


@pytest.fixture
def server(tmp_path: Path, creds: KioskCredentials, seeds: SeedIndex
           ) -> Iterator[RunningServer]:
    """The reference server with its ThaID gateway, so the holder paths answer too."""
    with run_holder_stack(state_dir=tmp_path / "server", pki_dir=creds.ca_file.parent,
                          seeds=seeds) as stack:
        yield stack.server


def test_server_conforms_to_the_document(server: RunningServer, creds: KioskCredentials,
                                         client: LinkageClient, ordinary: Any,
                                         tmp_path: Path) -> None:
    token = client.auth.current()
    doc = _with_live_examples(yaml.safe_load(DOC.read_text("utf-8")), creds.kiosk_id, ordinary)
    live_doc = tmp_path / "linkage-api.yaml"
    live_doc.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    cmd = [
        str(SCHEMATHESIS), "run", str(live_doc),
        "--url", server.base_url,
        "--tls-verify", str(creds.ca_file),
        "--request-cert", str(creds.cert_file),
        "--request-cert-key", str(creds.key_file),
        "-H", f"Authorization: Bearer {token}",
        "--checks", "all",
        "--exclude-checks", "ignored_auth",
        "--phases", "examples,coverage,fuzzing",
        # Renewing would end the token the rest of the run uses (tested in test_tls_auth).
        "--exclude-operation-id", "loginRenew",
        "--max-examples", "6",
        "--seed", "1017",
        "--generation-database", "none",
        "--workers", "1",
        "--request-timeout", "10",
        "--no-color",
    ]
    # A body over 64 KB is refused with 413 while it streams in, before it is parsed; a
    # schema-valid submission may reuse a generated Idempotency-Key with another payload,
    # which the draft answers with 422 (positive_data_acceptance allows that one refusal).
    (tmp_path / "schemathesis.toml").write_text(
        '[checks.negative_data_rejection]\nexpected-statuses = ["400", "401", "403", "404", '
        '"405", "406", "409", "413", "415", "422", "428", "429"]\n'
        '[checks.positive_data_acceptance]\nexpected-statuses = ["2xx", "3xx", "401", "403", '
        '"404", "409", "422", "429"]\n')
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "Tested: 9" in output, output[-3000:]
    # The success answers were produced and checked too, not only refusals.
    stats = {s.key: s for s in server.server.store.submission_stats()}
    assert any(s.accepted for s in stats.values()), output[-3000:]
    assert server.server.store.audit_events(), output[-3000:]
