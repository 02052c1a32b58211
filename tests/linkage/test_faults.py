"""The client against each injected fault of the reference server: what is retried, how
long it waits, and which typed error comes out when it gives up."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.linkage import errors as E
from kiosk.linkage.pki import KioskCredentials
from kiosk.linkage.retry import RetryPolicy
from linkage.helpers import NoSleep, consent_for, make_client
from simulators.linkage_server.faults import FaultKind
from simulators.linkage_server.runner import RunningServer


@pytest.fixture
def waits(server: RunningServer, creds: KioskCredentials) -> Any:
    sleeper = NoSleep()
    client = make_client(server, creds, sleep=sleeper)
    client.login()  # faults below hit the call under test, not the login
    yield client, sleeper
    client.close()


def test_added_latency_counts_as_server_time(waits: Any, server: RunningServer,
                                             ordinary: Any) -> None:
    client, _ = waits
    server.faults.set(FaultKind.LATENCY, latency_ms=150, count=1)
    assert client.query(consent_for(ordinary), [1])[1].error is None
    assert client.last is not None and client.last.server_ms is not None
    assert client.last.server_ms >= 150
    assert client.last.wall_ms >= client.last.server_ms


def test_transient_5xx_is_retried_with_jittered_backoff(waits: Any, server: RunningServer,
                                                       ordinary: Any) -> None:
    client, sleeper = waits
    server.faults.set(FaultKind.ERROR_5XX, status=503, count=2)
    assert client.query(consent_for(ordinary), [1])[1].error is None
    assert client.last is not None and client.last.attempts == 3
    assert len(sleeper.waits) == 2
    # Full jitter: each wait within [0, min(cap, base·2^n)].
    assert 0 <= sleeper.waits[0] <= 0.01 and 0 <= sleeper.waits[1] <= 0.02
    assert server.faults.fired[FaultKind.ERROR_5XX] == 2


@pytest.mark.parametrize(("fault", "params", "error", "key", "fired", "waited"), [
    (FaultKind.ERROR_5XX, {"status": 500}, E.ServiceUnavailable, "linkage.unavailable",
     3, 2),  # max_attempts, no more
    (FaultKind.MALFORMED_JSON, {"count": 1}, E.ProtocolError, "linkage.protocol_error",
     1, 0),  # a broken answer is not asked again
], ids=["persistent 5xx gives up after bounded attempts", "malformed JSON"])
def test_a_failing_answer_is_its_typed_error(
        waits: Any, server: RunningServer, ordinary: Any, fault: FaultKind,
        params: dict[str, Any], error: type[E.LinkageError], key: str, fired: int,
        waited: int) -> None:
    client, sleeper = waits
    server.faults.set(fault, **params)
    with pytest.raises(error) as info:
        client.query(consent_for(ordinary), [1])
    assert info.value.message_key == key
    assert info.value.request_id
    assert server.faults.fired[fault] == fired
    assert len(sleeper.waits) == waited


def test_retry_after_is_honoured(waits: Any, server: RunningServer, ordinary: Any) -> None:
    client, sleeper = waits
    server.faults.set(FaultKind.ERROR_5XX, status=503, retry_after_s=2, count=1)
    client.query(consent_for(ordinary), [1])
    assert sleeper.waits == [2.0]


def test_retry_after_beyond_the_budget_is_not_waited_for(server: RunningServer,
                                                        creds: KioskCredentials,
                                                        ordinary: Any) -> None:
    sleeper = NoSleep()
    with make_client(server, creds, sleep=sleeper,
                     retry=RetryPolicy(max_attempts=3, total_s=5.0)) as client:
        client.login()
        server.faults.set(FaultKind.ERROR_5XX, status=503, retry_after_s=60, count=1)
        with pytest.raises(E.ServiceUnavailable) as info:
            client.query(consent_for(ordinary), [1])
    assert info.value.retry_after_s == 60
    assert sleeper.waits == []


def test_connection_reset_is_retried(waits: Any, server: RunningServer, ordinary: Any) -> None:
    client, _ = waits
    server.faults.set(FaultKind.RESET, count=1)
    assert client.query(consent_for(ordinary), [1])[1].error is None
    assert client.last is not None and client.last.attempts == 2
    assert server.faults.fired[FaultKind.RESET] == 1


def test_full_outage_is_unavailable(waits: Any, server: RunningServer, ordinary: Any) -> None:
    client, _ = waits
    server.faults.set(FaultKind.OUTAGE)
    with pytest.raises(E.Unavailable) as info:
        client.query(consent_for(ordinary), [1])
    assert info.value.message_key == "linkage.unavailable"
    assert server.faults.fired[FaultKind.OUTAGE] == 3
    server.faults.clear()
    assert client.query(consent_for(ordinary), [1])[1].error is None


def test_slow_body_runs_into_the_total_timeout(server: RunningServer, creds: KioskCredentials,
                                               ordinary: Any) -> None:
    with make_client(server, creds, sleep=NoSleep(),
                     retry=RetryPolicy(max_attempts=3, total_s=0.8)) as client:
        client.login()
        server.faults.set(FaultKind.SLOW_BODY, chunk_bytes=16, latency_ms=50)
        with pytest.raises(E.LinkageTimeout) as info:
            client.query(consent_for(ordinary), [1])
    assert info.value.message_key == "linkage.timeout"


def test_read_timeout(server: RunningServer, creds: KioskCredentials, ordinary: Any) -> None:
    from kiosk.linkage.client import Timeouts

    with make_client(server, creds, sleep=NoSleep(),
                     timeouts=Timeouts(connect_s=2, read_s=0.2, total_s=5)) as client:
        client.login()
        server.faults.set(FaultKind.LATENCY, latency_ms=600)
        with pytest.raises(E.LinkageTimeout):
            client.query(consent_for(ordinary), [1])
        assert server.faults.fired[FaultKind.LATENCY] == 3  # retried, bounded


def test_oversized_answer_is_a_protocol_error(server: RunningServer, creds: KioskCredentials,
                                              ordinary: Any) -> None:
    with (make_client(server, creds, max_response_bytes=1024) as client,
          pytest.raises(E.ProtocolError, match="exceeds 1024")):
        client.query(consent_for(ordinary), [1, 10, 32, 144, 902])


def test_expired_token_leads_to_one_relogin(waits: Any, server: RunningServer,
                                            ordinary: Any) -> None:
    client, _ = waits
    assert client.auth.logins == 1
    server.faults.set(FaultKind.EXPIRED_TOKEN, count=1)
    assert client.query(consent_for(ordinary), [1])[1].error is None
    assert client.auth.logins == 2


def test_token_rejected_again_after_relogin_does_not_loop(waits: Any, server: RunningServer,
                                                          ordinary: Any) -> None:
    client, _ = waits
    server.faults.set(FaultKind.EXPIRED_TOKEN)
    with pytest.raises(E.NotLoggedIn) as info:
        client.query(consent_for(ordinary), [1])
    assert info.value.status_code == 401
    assert client.auth.logins == 2  # the first login and exactly one more
    assert server.faults.fired[FaultKind.EXPIRED_TOKEN] == 2


def test_faults_switch_over_the_admin_endpoint(server: RunningServer, creds: KioskCredentials,
                                               ordinary: Any) -> None:
    with make_client(server, creds, sleep=NoSleep()) as client:
        client.login()
        admin = client._http  # the same mutual-TLS connection reaches /_admin
        r = admin.put("/_admin/faults", json={"kind": "error_5xx", "status": 502, "count": 1},
                      headers=server.admin_headers)
        assert r.status_code == 200 and r.json()["active"][0]["kind"] == "error_5xx"
        client.query(consent_for(ordinary), [1])
        assert client.last is not None and client.last.attempts == 2
        assert admin.get("/_admin/faults", headers=server.admin_headers
                         ).json()["fired"] == {"error_5xx": 1}


@pytest.mark.parametrize("number", [*sorted(E.ERROR_CLASSES), 404, 503])
def test_every_error_number_over_the_wire(waits: Any, server: RunningServer, ordinary: Any,
                                          number: int) -> None:
    """Each errorNumber, as the centre would send it, becomes its typed exception with a
    citizen message key (numbers 0-999 are a data provider's HTTP status, 00XXX)."""
    from kiosk.linkage.messages import MESSAGES

    client, _ = waits
    server.faults.set(FaultKind.LINKAGE_ERROR, error_number=number)
    with pytest.raises(E.LinkageError) as info:
        client.query(consent_for(ordinary), [1])
    expected = E.ERROR_CLASSES.get(number, E.ProviderError)
    assert type(info.value) is expected
    assert info.value.error_number == number
    assert info.value.message_key in MESSAGES
    # Only the retryable ones were tried again, and within max_attempts; a 401 leads to
    # exactly one fresh login (which meets the same answer) and no loop.
    fired = server.faults.fired[FaultKind.LINKAGE_ERROR]
    if number == 90001:
        assert fired == 2
    elif expected.retryable or expected.http_status in (500, 502, 503, 504):
        assert fired == 3
    else:
        assert fired == 1


def test_total_budget_caps_each_wait(server: RunningServer, creds: KioskCredentials,
                                     ordinary: Any) -> None:
    """A read timeout longer than the call's total budget is cut down to the budget: the
    wait ends as a ReadTimeout, not after the answer finally arrives."""
    from kiosk.linkage.client import Timeouts

    with make_client(server, creds, sleep=NoSleep(),
                     timeouts=Timeouts(connect_s=2, read_s=30, total_s=0.5),
                     retry=RetryPolicy(max_attempts=3, total_s=0.5)) as client:
        client.login()
        server.faults.set(FaultKind.LATENCY, latency_ms=3000, count=1)
        with pytest.raises(E.LinkageTimeout, match="ReadTimeout"):
            client.query(consent_for(ordinary), [1])
