"""Submissions with Idempotency-Key (IETF draft semantics) and audit batches, against the
server's SQLite state — including across a server restart."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.domain import mask_cid
from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.answers import Submitted
from kiosk.linkage.client import tls_context
from kiosk.linkage.pki import KioskCredentials
from linkage.helpers import NoSleep, make_client
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import RunningServer, run_in_thread


def _submission(citizen: Any, note: str = "ย้ายที่อยู่") -> M.SubmissionRequest:
    return M.SubmissionRequest(
        kind="address-change-request", serviceID=10, personalID=citizen.cid,
        consentedAt=dt.datetime.now(dt.UTC), payload={"note": note},
    )


def test_repeat_with_same_key_is_replayed_once_accepted(server: RunningServer,
                                                        creds: KioskCredentials,
                                                        ordinary: Any) -> None:
    key = str(uuid.uuid4())
    request = _submission(ordinary)
    with make_client(server, creds) as client:
        first = client.submit(request, key)
        second = client.submit(request, key)
    assert not first.replayed and second.replayed
    assert first.receipt == second.receipt
    assert first.receipt.maskedID == mask_cid(ordinary.cid)
    stats = server.submissions()[key]
    assert (stats.accepted, stats.replays) == (1, 1)


def test_reused_key_with_other_payload_is_422(server: RunningServer, creds: KioskCredentials,
                                              ordinary: Any) -> None:
    key = str(uuid.uuid4())
    with make_client(server, creds) as client:
        client.submit(_submission(ordinary), key)
        with pytest.raises(E.IdempotencyKeyReused) as info:
            client.submit(_submission(ordinary, note="อื่น"), key)
    assert info.value.status_code == 422
    assert info.value.message_key == "linkage.duplicate_request"
    assert server.submissions()[key].accepted == 1


def test_request_in_flight_gets_409_then_the_replay(server: RunningServer,
                                                    creds: KioskCredentials,
                                                    ordinary: Any) -> None:
    server.policy.submission_processing_s = 0.6
    key = str(uuid.uuid4())
    request = _submission(ordinary)
    results: dict[str, Submitted] = {}
    with make_client(server, creds) as first, make_client(server, creds) as second:
        first.login()
        second.login()
        worker = threading.Thread(target=lambda: results.setdefault("a", first.submit(request,
                                                                                      key)))
        worker.start()
        deadline = time.monotonic() + 5
        while key not in server.submissions():
            assert time.monotonic() < deadline, "the first submission never reached the server"
            time.sleep(0.005)
        # A raw look at the 409 itself: Retry-After and the error body.
        ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
        with httpx.Client(base_url=server.base_url, verify=ctx, timeout=5) as raw:
            r = raw.post("/api/agency/submissions", content=request.model_dump_json(),
                         headers={"X-Request-ID": str(uuid.uuid4()), "Idempotency-Key": key,
                                  "Content-Type": "application/json",
                                  "Authorization": f"Bearer {second.auth.current()}"})
        assert r.status_code == 409
        assert r.json()["errorNumber"] == 95031 and r.headers["retry-after"] == "1"
        # The client waits as told and then gets the stored first answer.
        results["b"] = second.submit(request, key)
        worker.join(5)
    assert results["b"].replayed and results["b"].receipt == results["a"].receipt
    assert server.submissions()[key].accepted == 1


def test_missing_key_is_400(server: RunningServer, creds: KioskCredentials,
                            ordinary: Any) -> None:
    # Deliberately against the contract, so not through the (contract-checked) client.
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    with make_client(server, creds) as client, httpx.Client(
            base_url=server.base_url, verify=ctx, timeout=5) as raw:
        token = client.auth.current()
        r = raw.post("/api/agency/submissions",
                              content=_submission(ordinary).model_dump_json(),
                              headers={"X-Request-ID": str(uuid.uuid4()),
                                       "Content-Type": "application/json",
                                       "Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json()["errorNumber"] == 95030
    with pytest.raises(ValueError):
        make_client(server, creds).submit(_submission(ordinary), "")


def test_submission_after_a_lost_answer_is_deduplicated(server: RunningServer,
                                                        creds: KioskCredentials,
                                                        ordinary: Any) -> None:
    """The centre accepted the first try but the answer never arrived (slow body past the
    total timeout): the retry with the same key is a replay, not a second acceptance."""
    from kiosk.linkage.retry import RetryPolicy
    from simulators.linkage_server.faults import FaultKind

    key = str(uuid.uuid4())
    request = _submission(ordinary)  # the outbox keeps the exact payload with its key
    with make_client(server, creds, sleep=NoSleep(),
                     retry=RetryPolicy(max_attempts=2, total_s=0.5)) as client:
        client.login()
        server.faults.set(FaultKind.SLOW_BODY, chunk_bytes=8, latency_ms=100, count=1)
        with pytest.raises(E.LinkageTimeout):
            client.submit(request, key)
        again = client.submit(request, key)
    assert again.replayed
    assert server.submissions()[key].accepted == 1


def test_dedup_and_audit_survive_a_restart(tmp_path: Path, creds: KioskCredentials,
                                           seeds: SeedIndex, ordinary: Any) -> None:
    state = tmp_path / "server"
    key = str(uuid.uuid4())
    request = _submission(ordinary)
    events = [
        M.AuditEvent(eventID=str(uuid.uuid4()), occurredAt=dt.datetime.now(dt.UTC),
                     type="consent", kioskID=creds.kiosk_id, maskedID=mask_cid(ordinary.cid),
                     services=[1, 10], outcome="given")
        for _ in range(3)
    ]
    with run_in_thread(state_dir=state, pki_dir=creds.ca_file.parent, seeds=seeds) as srv, \
            make_client(srv, creds) as client:
        first = client.submit(request, key)
        assert client.send_audit_events(events) == M.AuditAck(accepted=3, duplicates=0)
    with run_in_thread(state_dir=state, pki_dir=creds.ca_file.parent, seeds=seeds) as srv, \
            make_client(srv, creds) as client:
        again = client.submit(request, key)
        assert client.send_audit_events(events[1:]) == M.AuditAck(accepted=0, duplicates=2)
        stored = srv.server.store.audit_events()
    assert again.replayed and again.receipt == first.receipt
    assert [e["event_id"] for e in stored] == [e.eventID for e in events]
    assert {e["masked_id"] for e in stored} == {mask_cid(ordinary.cid)}
    assert ordinary.cid not in repr(stored)


def test_audit_events_must_be_the_kiosks_own(client: Any, ordinary: Any) -> None:
    event = M.AuditEvent(eventID=str(uuid.uuid4()), occurredAt=dt.datetime.now(dt.UTC),
                         type="consent", kioskID="SOMEONE-ELSE", services=[1])
    with pytest.raises(E.NoLinkageRights):
        client.send_audit_events([event])


def test_request_larger_than_64kb_is_refused(client: Any, creds: KioskCredentials) -> None:
    events = [
        M.AuditEvent(eventID=str(uuid.uuid4()), occurredAt=dt.datetime.now(dt.UTC),
                     type="consent", kioskID=creds.kiosk_id, services=[1, 9, 10, 32, 144],
                     outcome="x" * 60)
        for _ in range(450)
    ]
    with pytest.raises(E.RequestTooLarge) as info:
        client.send_audit_events(events)
    assert info.value.status_code == 413
