"""Linkage login of type 2 (backed by a ThaID exchange) beside the device-key login, over
real mutual TLS: the token serves the verified person only, once per verification."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from pydantic import ValidationError

from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.client import LinkageClient
from kiosk.linkage.holder import holder_login, start_verification
from simulators.seeds import load_seeds
from simulators.thaid import phone
from simulators.thaid.stack import HolderStack

SEEDS = load_seeds()


def _verified(stack: HolderStack, client: LinkageClient, card_pid: str, phone_pid: str
              ) -> str:
    started = start_verification(client, card_pid)
    assert started.authorizationURL is not None
    phone.approve(started.authorizationURL, phone_pid, ca_file=stack.ca_file)
    return started.verificationID


def _query(stack: HolderStack, client: LinkageClient, token: str, citizen_index: int
           ) -> httpx.Response:
    citizen = SEEDS.citizens[citizen_index]
    body = M.QueryRequest(
        jobID="KIOSK-SELF-SERVICE",
        consent=M.Consent(type="card", personalID=citizen.cid,
                          requestNo=citizen.card.request_no, chipNo=citizen.card.chip_no,
                          consentedAt=dt.datetime.now(dt.UTC)),
        data=[M.ServiceRequest(serviceID=1, query=M.PersonQuery(personalID=citizen.cid))])
    return client._http.post(
        "/api/center/query", content=body.model_dump_json(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "X-Request-ID": str(uuid.uuid4())})


def test_login_type_2_serves_the_verified_person_only(
        stack: HolderStack, client: LinkageClient, holder_pid: str) -> None:
    vid = _verified(stack, client, holder_pid, holder_pid)
    token = holder_login(client, holder_pid, vid)
    assert _query(stack, client, token.accessToken, 0).status_code == 200
    refused = _query(stack, client, token.accessToken, 1)
    assert refused.status_code == 403 and refused.json()["errorNumber"] == 95014
    assert stack.gateway.audit[-1].outcome == "linkage_login"
    # The device-key login beside it is untouched and serves any consenting citizen.
    assert client.query(M.Consent(
        type="card", personalID=SEEDS.citizens[1].cid,
        requestNo=SEEDS.citizens[1].card.request_no, chipNo=SEEDS.citizens[1].card.chip_no,
        consentedAt=dt.datetime.now(dt.UTC)), [1])[1].error is None


def test_login_type_2_is_refused_without_a_matching_verification(
        stack: HolderStack, client: LinkageClient, holder_pid: str, other_pid: str) -> None:
    mismatch = _verified(stack, client, holder_pid, other_pid)
    with pytest.raises(E.CitizenNotLoggedIn):
        holder_login(client, holder_pid, mismatch)  # someone else approved
    with pytest.raises(E.CitizenNotLoggedIn):
        holder_login(client, other_pid, mismatch)  # nor for the approver: not the card
    pending = start_verification(client, holder_pid).verificationID
    with pytest.raises(E.CitizenNotLoggedIn):
        holder_login(client, holder_pid, pending)
    vid = _verified(stack, client, holder_pid, holder_pid)
    with pytest.raises(E.CitizenNotLoggedIn):
        holder_login(client, other_pid, vid)  # another person than the verified one
    holder_login(client, holder_pid, vid)
    with pytest.raises(E.CitizenNotLoggedIn):
        holder_login(client, holder_pid, vid)  # once per verification


def test_login_request_shapes() -> None:
    M.LoginRequest(kioskID="TEST-1017-01")
    M.LoginRequest(kioskID="TEST-1017-01", loginType=2, personalID="1" * 13,
                   verificationID="abcdefgh")
    with pytest.raises(ValidationError):
        M.LoginRequest(kioskID="TEST-1017-01", loginType=2, personalID="1" * 13)
    with pytest.raises(ValidationError):
        M.LoginRequest(kioskID="TEST-1017-01", personalID="1" * 13, verificationID="abcdefgh")
