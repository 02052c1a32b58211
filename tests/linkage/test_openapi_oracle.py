"""The committed docs/linkage-api.yaml as an independent oracle (openapi-core; it does not
know our pydantic models): the client's requests and the server's answers are checked
against the file, so drift of either side from the contract fails a test."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from kiosk.linkage.client import tls_context
from kiosk.linkage.models import SubmissionRequest
from kiosk.linkage.pki import KioskCredentials
from linkage.helpers import check_requests_against_contract, consent_for, make_client
from simulators.linkage_server.contract import CONTRACT_FILE, Contract, ContractMiddleware
from simulators.linkage_server.runner import RunningServer


def test_every_client_call_is_checked_and_as_documented(server: RunningServer,
                                                        creds: KioskCredentials,
                                                        ordinary: Any) -> None:
    checker = Contract()
    with make_client(server, creds) as client:
        check_requests_against_contract(client, checker)
        client.login()
        client.services()
        client.card_status(ordinary.cid, ordinary.card.request_no)
        client.query(consent_for(ordinary), [1, 10])
        client.submit(SubmissionRequest(kind="address-change-request", serviceID=10,
                                        personalID=ordinary.cid,
                                        consentedAt=consent_for(ordinary).consentedAt,
                                        payload={"note": "ย้ายที่อยู่"}), str(uuid.uuid4()))
    assert checker.violations == []
    assert checker.checked >= 6  # login, confirm, services, card-status, query, submit
    assert server.server.contract.checked >= 6  # and the server checked its side


def test_a_request_the_document_forbids_is_caught_on_the_client_side(
        server: RunningServer, creds: KioskCredentials, ordinary: Any) -> None:
    checker = Contract()
    with make_client(server, creds) as client:
        check_requests_against_contract(client, checker)
        # The client does not check the key's form itself; the contract says: a UUID.
        with pytest.raises(AssertionError, match="Idempotency-Key"):
            client.submit(SubmissionRequest(kind="address-change-request", serviceID=10,
                                            personalID=ordinary.cid,
                                            consentedAt=consent_for(ordinary).consentedAt,
                                            payload={}), "not-a-uuid")
    assert [v.side for v in checker.violations] == ["client request"]


def test_an_answer_the_document_does_not_allow_becomes_a_loud_500(
        tmp_path: Path, server: RunningServer, creds: KioskCredentials) -> None:
    # The live server judged by a document in which the login answer needs a field the
    # server does not send: the server itself must refuse to let that answer out.
    doc = yaml.safe_load(CONTRACT_FILE.read_text("utf-8"))
    challenge = doc["components"]["schemas"]["LoginChallenge"]
    challenge["properties"]["mustExist"] = {"type": "string"}
    challenge["required"] = [*challenge["required"], "mustExist"]
    changed = tmp_path / "linkage-api.yaml"
    changed.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    stricter = Contract(changed)
    middleware = server.server.asgi_app  # the contract layer, wherever it sits in the stack
    while not isinstance(middleware, ContractMiddleware):
        middleware = middleware.app  # type: ignore[attr-defined]
    kept, middleware.contract = middleware.contract, stricter  # type: ignore[attr-defined]
    try:
        ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
        with httpx.Client(base_url=server.base_url, verify=ctx, timeout=5) as raw:
            answer = raw.post("/api/center/login", json={"kioskID": creds.kiosk_id},
                              headers={"X-Request-ID": str(uuid.uuid4())})
    finally:
        middleware.contract = kept  # type: ignore[attr-defined]
    assert answer.status_code == 500
    assert "contract violation" in answer.json()["errorMessage"]
    assert "mustExist" in answer.json()["errorMessage"]
    assert [v.side for v in stricter.violations] == ["response"]
