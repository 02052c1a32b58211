"""The holder poll as a long-poll over the same mutual TLS: the gateway answers the moment
the phone's approval is decided, or `pending` at the end of the wait; the wait is bounded by
the server and cut by the client to fit the call's deadline; a restart of the server ends a
parked poll at once and the next one works."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from linkage.helpers import make_client

from kiosk.linkage import deadline as call_deadline
from kiosk.linkage import errors as E
from kiosk.linkage.client import LinkageClient, Timeouts, tls_context
from kiosk.linkage.holder import (
    VERIFICATIONS_PATH,
    HolderStatus,
    VerificationState,
    long_poll_wait,
    poll_verification,
    start_verification,
)
from kiosk.linkage.pki import KioskCredentials
from kiosk.linkage.retry import RetryPolicy
from simulators.linkage_server.holder import HolderGateway
from simulators.linkage_server.runner import RunningServer, run_in_thread
from simulators.thaid import phone
from simulators.thaid.stack import HolderStack, start_thaid

LONG = {"timeouts": Timeouts(connect_s=2.0, read_s=12.0, total_s=20.0),
        "retry": RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05, total_s=20.0)}
PARKED_WITHIN_S = 15.0


@pytest.fixture
def long_client(stack: HolderStack, creds: KioskCredentials) -> Iterator[LinkageClient]:
    with make_client(stack.server, creds, **LONG) as c:
        yield c


def wait_parked(gateway: HolderGateway, count: int) -> None:
    with gateway.waiting_changed:
        assert gateway.waiting_changed.wait_for(lambda: gateway.waiting == count,
                                                PARKED_WITHIN_S), "no long-poll parked"


class Poller(threading.Thread):
    """One poll on its own thread (as the session's worker makes it)."""

    def __init__(self, call: Callable[[], VerificationState]) -> None:
        super().__init__(daemon=True)
        self.call = call
        self.result: VerificationState | BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as exc:  # handed to the test
            self.result = exc


def test_a_parked_poll_answers_as_soon_as_the_phone_approves(
        stack: HolderStack, long_client: LinkageClient, holder_pid: str) -> None:
    started = start_verification(long_client, holder_pid)
    assert started.authorizationURL is not None
    poller = Poller(lambda: poll_verification(long_client, started.verificationID, 8.0))
    poller.start()
    wait_parked(stack.gateway, 1)  # parked before the approval exists
    assert phone.approve(started.authorizationURL, holder_pid,
                         ca_file=stack.ca_file).status == 200
    poller.join(PARKED_WITHIN_S)
    assert isinstance(poller.result, VerificationState), poller.result
    assert poller.result.status is HolderStatus.VERIFIED and poller.result.pid_matches
    last = long_client.last
    assert last is not None and last.path.endswith("?wait=8")
    assert last.server_timings["wait"] < 8000  # ended by the decision, not the clock
    assert stack.gateway.waiting == 0


def test_undecided_it_answers_pending_at_the_end_of_the_wait(
        stack: HolderStack, long_client: LinkageClient, holder_pid: str) -> None:
    vid = start_verification(long_client, holder_pid).verificationID
    state = poll_verification(long_client, vid, 0.5)
    assert state.status is HolderStatus.PENDING
    last = long_client.last
    assert last is not None and last.path.endswith("?wait=0.5")
    assert last.server_timings["wait"] >= 490  # the event loop's timers: ms granularity
    assert last.server_timings["app"] >= last.server_timings["wait"]  # wait is part of app
    assert stack.gateway.waiting == 0


def test_the_wait_fits_the_calls_deadline(stack: HolderStack, creds: KioskCredentials,
                                          long_client: LinkageClient,
                                          holder_pid: str) -> None:
    assert long_poll_wait(long_client, 8.0) == 8.0
    assert long_poll_wait(long_client, 30.0) == 10.0  # the gateway's bound
    with make_client(stack.server, creds) as short:  # read timeout 3 s: 1.5 s left to wait
        assert long_poll_wait(short, 8.0) == 1.5
    with call_deadline.deadline(time.monotonic() + 1.0):  # an outer deadline: no room
        assert long_poll_wait(long_client, 8.0) == 0.0
    vid = start_verification(long_client, holder_pid).verificationID
    with call_deadline.deadline(time.monotonic() + 2.2):
        state = poll_verification(long_client, vid, 8.0)  # no LinkageTimeout: it fitted
    assert state.status is HolderStatus.PENDING
    last = long_client.last
    assert last is not None
    asked = float(last.path.partition("?wait=")[2])
    assert 0 < asked <= 0.7


def _raw_poll(stack: HolderStack, creds: KioskCredentials, token: str, vid: str,
              wait: str) -> httpx.Response:
    ctx = tls_context(creds.ca_file, creds.cert_file, creds.key_file)
    with httpx.Client(base_url=stack.base_url, verify=ctx, timeout=10) as http:
        return http.get(f"{VERIFICATIONS_PATH}/{vid}", params={"wait": wait},
                        headers={"X-Request-ID": str(uuid.uuid4()),
                                 "Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("wait", ["11", "-1", "nan", "soon"])
def test_the_server_refuses_a_wait_beyond_its_bound(
        stack: HolderStack, creds: KioskCredentials, long_client: LinkageClient,
        holder_pid: str, wait: str) -> None:
    vid = start_verification(long_client, holder_pid).verificationID
    answer = _raw_poll(stack, creds, long_client.auth.current(), vid, wait)
    assert answer.status_code == 400
    assert "wait" in answer.json()["errorMessage"]


def test_past_its_parking_limit_the_server_answers_at_once(
        stack: HolderStack, long_client: LinkageClient, holder_pid: str) -> None:
    stack.gateway.max_waiters = 0  # as when 2,000 polls are parked already
    vid = start_verification(long_client, holder_pid).verificationID
    state = poll_verification(long_client, vid, 5.0)
    assert state.status is HolderStatus.PENDING
    last = long_client.last
    assert last is not None and last.server_timings["wait"] < 2500


def test_a_restart_ends_the_parked_poll_and_the_next_one_works(
        tmp_path: Path, creds: KioskCredentials, holder_pid: str) -> None:
    pki = creds.ca_file.parent
    side = start_thaid(state_dir=tmp_path / "server", pki_dir=pki)
    servers: list[RunningServer] = []
    try:
        servers.append(run_in_thread(state_dir=tmp_path / "server", pki_dir=pki,
                                     holder=side.gateway))
        client = make_client(servers[0], creds, **LONG)
        started = start_verification(client, holder_pid)
        assert started.authorizationURL is not None
        poller = Poller(lambda: poll_verification(client, started.verificationID, 8.0))
        poller.start()
        wait_parked(side.gateway, 1)
        servers[0].stop()  # the parked poll is answered, not left for its 8 s
        poller.join(6.0)
        assert not poller.is_alive()
        result: Any = poller.result
        assert isinstance(result, VerificationState | E.LinkageError), result
        if isinstance(result, VerificationState):
            assert result.status is HolderStatus.PENDING
        # The same gateway behind a restarted server on the same port: new connection,
        # new login (tokens died with the old process), and the long-poll works again.
        servers.append(run_in_thread(state_dir=tmp_path / "server", pki_dir=pki,
                                     holder=side.gateway, port=servers[0].port))
        again = Poller(lambda: poll_verification(client, started.verificationID, 8.0))
        again.start()
        wait_parked(side.gateway, 1)
        assert phone.approve(started.authorizationURL, holder_pid,
                             ca_file=side.gateway.rp.ca_file).status == 200
        again.join(PARKED_WITHIN_S)
        assert isinstance(again.result, VerificationState), again.result
        assert again.result.status is HolderStatus.VERIFIED
        client.close()
    finally:
        for srv in servers[1:]:
            srv.stop()
        side.stop()
