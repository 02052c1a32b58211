"""Linkage errors reach the fleet metrics by errorNumber (real client, real TLS, the
reference server's injected faults)."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.appliance import metrics
from kiosk.linkage import errors as E
from kiosk.linkage.pki import KioskCredentials
from linkage.helpers import NoSleep, consent_for, make_client
from simulators.linkage_server.faults import FaultKind
from simulators.linkage_server.runner import RunningServer


def errors_counted() -> dict[str, float]:
    return {s.labels["error_number"]: s.value for f in metrics.default.registry.collect()
            if f.name == "kiosk_linkage_errors" for s in f.samples
            if s.name == "kiosk_linkage_errors_total"}


def added(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)}


@pytest.fixture
def client(server: RunningServer, creds: KioskCredentials) -> Any:
    client = make_client(server, creds, sleep=NoSleep(),
                         report_error=metrics.record_linkage_error)
    client.login()
    yield client
    client.close()


def test_an_outage_counts_once_as_transport(client: Any, server: RunningServer,
                                             ordinary: Any) -> None:
    before = errors_counted()
    server.faults.set(FaultKind.OUTAGE)
    with pytest.raises(E.Unavailable):
        client.query(consent_for(ordinary), [1])
    server.faults.clear()
    # Three attempts, one failed call: the operator counts calls, not retries.
    assert added(before, errors_counted()) == {"transport": 1.0}


def test_a_server_error_counts_under_its_error_number(client: Any, server: RunningServer,
                                                       ordinary: Any) -> None:
    before = errors_counted()
    server.faults.set(FaultKind.ERROR_5XX, status=500)
    with pytest.raises(E.LinkageError) as info:
        client.query(consent_for(ordinary), [1])
    server.faults.clear()
    number = info.value.error_number
    assert isinstance(number, int)
    assert added(before, errors_counted()) == {str(number): 1.0}
