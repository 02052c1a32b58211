"""The short code: what a citizen who cannot aim at the QR types in the ThaID app instead.

Over real TLS against the gateway, the simulated provider and phone: the code opens the
same authorization request as the QR, once; an unknown or spent code opens nothing; a code
used by another ThaID account is a mismatch, like a scanned QR."""

from __future__ import annotations

import re
import ssl

import httpx

from kiosk.linkage.client import LinkageClient
from kiosk.linkage.holder import HolderStatus, poll_verification, start_verification
from simulators.linkage_server.holder_routes import CODE_PATH
from simulators.thaid import phone
from simulators.thaid.stack import HolderStack


def _code_url(stack: HolderStack) -> str:
    return stack.callback.base_url + CODE_PATH


def test_the_code_opens_the_qr_request_and_verifies_the_holder(
        stack: HolderStack, client: LinkageClient, holder_pid: str) -> None:
    started = start_verification(client, holder_pid)
    assert started.shortCode is not None and re.fullmatch(r"\d{6}", started.shortCode)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(stack.ca_file))) as http:
        opened = http.get(_code_url(stack), params={"code": started.shortCode})
    assert opened.status_code == 302
    assert opened.headers["location"] == started.authorizationURL
    # Spent: the same code opens nothing again.
    answer = phone.approve_with_code(_code_url(stack), started.shortCode, holder_pid,
                                     ca_file=stack.ca_file)
    assert answer.status == 404 and answer.body["outcome"] == "unknown_code"
    # The request itself is still pending and is approved through the redirect it gave.
    assert phone.approve(opened.headers["location"], holder_pid,
                         ca_file=stack.ca_file).status == 200
    state = poll_verification(client, started.verificationID)
    assert state.status is HolderStatus.VERIFIED and state.pid_matches
    assert state.shortCode is None  # only in the answer that starts it


def test_typed_code_end_to_end(stack: HolderStack, client: LinkageClient,
                               holder_pid: str) -> None:
    started = start_verification(client, holder_pid)
    assert started.shortCode is not None
    answer = phone.approve_with_code(_code_url(stack), started.shortCode, holder_pid,
                                     ca_file=stack.ca_file)
    assert answer.status == 200, answer.body
    state = poll_verification(client, started.verificationID)
    assert state.status is HolderStatus.VERIFIED and state.pid_matches


def test_another_account_with_the_code_is_a_mismatch(
        stack: HolderStack, client: LinkageClient, holder_pid: str, other_pid: str) -> None:
    started = start_verification(client, holder_pid)
    assert started.shortCode is not None
    phone.approve_with_code(_code_url(stack), started.shortCode, other_pid,
                            ca_file=stack.ca_file)
    state = poll_verification(client, started.verificationID)
    assert state.status is HolderStatus.VERIFIED and not state.pid_matches


def test_unknown_codes_open_nothing(stack: HolderStack, client: LinkageClient,
                                    holder_pid: str) -> None:
    started = start_verification(client, holder_pid)
    assert started.shortCode is not None
    wrong = f"{(int(started.shortCode) + 1) % 1_000_000:06d}"
    for code in (wrong, "", "abc", "1234567"):
        answer = phone.approve_with_code(_code_url(stack), code, holder_pid,
                                         ca_file=stack.ca_file)
        assert answer.status == 404 and answer.body["outcome"] == "unknown_code"
    assert poll_verification(client, started.verificationID).status is HolderStatus.PENDING


def test_codes_of_pending_requests_differ(stack: HolderStack, client: LinkageClient,
                                          holder_pid: str) -> None:
    codes = [start_verification(client, holder_pid).shortCode for _ in range(20)]
    assert None not in codes and len(set(codes)) == len(codes)
