"""Every launch service through the real client, over loopback mutual TLS, against the
reference server serving the seed dataset."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from kiosk.linkage import errors as E
from kiosk.linkage import models as M
from kiosk.linkage.client import LinkageClient
from kiosk.linkage.pki import KioskCredentials
from linkage.helpers import consent_for
from simulators.linkage_server.data import SeedIndex
from simulators.linkage_server.runner import RunningServer, run_in_thread

ALL_SERVICES = [int(s) for s in M.ServiceId]


def test_all_launch_services_in_one_call(client: LinkageClient, ordinary: Any) -> None:
    result = client.query(consent_for(ordinary), ALL_SERVICES)
    assert client.coalesced_writes  # headers and body went out as one TLS record
    assert result.failed == []
    assert set(result.answers) == set(ALL_SERVICES)
    person = result[M.ServiceId.PERSON].unwrap()
    assert isinstance(person, M.PersonRecord)
    title, first, _middle, last = ordinary.card.th_name.split("#")
    assert (person.titleTh, person.firstNameTh, person.lastNameTh) == (title, first, last)
    assert person.personalID == ordinary.cid
    assert person.birthDate == ordinary.card.birth

    house = result[M.ServiceId.HOUSE_REGISTRATION].unwrap()
    assert isinstance(house, M.HouseRegistration)
    assert house.houseID == ordinary.house_id
    assert len(house.members) >= 1
    # Other members' IDs never leave the server unmasked.
    assert all("xxxxx" in m.maskedID for m in house.members)

    history = result[M.ServiceId.NAME_HISTORY].unwrap()
    assert isinstance(history, M.NameChangeHistory)
    assert [c.changedOn for c in history.changes] == [h.date for h in ordinary.name_history]

    status = result[M.ServiceId.PERSON_STATUS].unwrap()
    assert isinstance(status, M.PersonStatus) and status.alive and status.statusCode == "0"

    cards = result[M.ServiceId.CARD_STATUS].unwrap()
    assert isinstance(cards, M.CardIssuance)
    assert cards.cards[0].requestNo == ordinary.card.request_no

    welfare = result[M.ServiceId.WELFARE].unwrap()
    assert isinstance(welfare, M.WelfareRights)
    assert [r.scheme for r in welfare.rights] == [w.program for w in ordinary.welfare]

    health = result[M.ServiceId.HEALTH_RIGHTS].unwrap()
    assert isinstance(health, M.HealthRights)
    assert health.scheme == ordinary.nhso.main_rights
    # Every answer carries its own server time.
    assert all(a.server_time is not None for a in result.answers.values())


def test_deceased_persons_card_is_refused(client: LinkageClient, citizen_by: Any,
                                          seeds: Any) -> None:
    dead = citizen_by(lambda c, card: not c.status.alive)
    # A deceased person's card is revoked: it cannot consent to anything.
    with pytest.raises(E.InvalidSmartCard):
        client.query(consent_for(dead), [144])
    # What the person-status service would say of them (the server's data mapping).
    status = M.PersonStatus.model_validate(seeds.service_data(dead.cid, M.ServiceId(144)))
    assert not status.alive and status.statusCode == "1"
    assert status.deathDate == dead.status.death_date


def test_partial_failure_per_service(client: LinkageClient, citizen_by: Any) -> None:
    no_nhso = citizen_by(lambda c, card: c.nhso is None and card.state == "active"
                         and card.is_latest)
    result = client.query(consent_for(no_nhso), [1, 902, 555])
    assert result[1].error is None
    assert isinstance(result[902].error, E.NotFound)
    assert result[902].error.message_key == "linkage.not_found"
    assert isinstance(result[555].error, E.ServiceNotFound)
    with pytest.raises(E.NotFound):
        result[902].unwrap()


def test_consent_covers_only_the_card_holder(client: LinkageClient, ordinary: Any,
                                             citizen_by: Any) -> None:
    other = citizen_by(lambda c, card: c.cid != ordinary.cid)
    result = client.query(consent_for(ordinary), [1], personal_id=other.cid)
    assert isinstance(result[1].error, E.NoConsentRights)
    assert result[1].error.message_key == "linkage.consent_required"


def test_stale_consent_is_refused(client: LinkageClient, ordinary: Any) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with pytest.raises(E.CitizenNotLoggedIn) as info:
        client.query(consent_for(ordinary, at=old), [1])
    assert info.value.message_key == "linkage.consent_required"
    assert info.value.request_id


def test_replaced_card_is_not_latest(client: LinkageClient, citizen_by: Any) -> None:
    replaced = citizen_by(lambda c, card: card.state == "replaced")
    with pytest.raises(E.CardNotLatest) as info:
        client.query(consent_for(replaced), [1])
    assert info.value.message_key == "linkage.card_not_latest"


def test_revoked_card_and_wrong_chip_are_invalid(client: LinkageClient, citizen_by: Any,
                                                 ordinary: Any) -> None:
    revoked = citizen_by(lambda c, card: card.state == "revoked")
    with pytest.raises(E.InvalidSmartCard):
        client.query(consent_for(revoked), [1])
    wrong_chip = consent_for(ordinary).model_copy(update={"chipNo": "00000000DEADBEEF"})
    with pytest.raises(E.InvalidSmartCard):
        client.query(wrong_chip, [1])


def test_unknown_card_is_not_found(client: LinkageClient, ordinary: Any) -> None:
    unknown = consent_for(ordinary).model_copy(update={"personalID": "1000000000009"})
    with pytest.raises(E.CardNotFound) as info:
        client.query(unknown, [1])
    assert info.value.message_key == "linkage.card_not_found"


def test_job_not_permitted(server: RunningServer, client: LinkageClient, ordinary: Any) -> None:
    client.job_id = "SOME-OTHER-JOB"
    with pytest.raises(E.NoJobRights):
        client.query(consent_for(ordinary), [1])


def test_service_not_in_job(server: RunningServer, client: LinkageClient, ordinary: Any) -> None:
    server.policy.jobs["KIOSK-SELF-SERVICE"] = frozenset({1})
    result = client.query(consent_for(ordinary), [1, 10])
    assert result[1].error is None
    assert isinstance(result[10].error, E.NoServiceRights)


def test_card_status_check(client: LinkageClient, ordinary: Any, citizen_by: Any) -> None:
    ok = client.card_status(ordinary.cid, ordinary.card.request_no, ordinary.card.chip_no)
    assert (ok.code, ok.cardState, ok.isLatest) == (0, "active", True)
    mismatch = client.card_status(ordinary.cid, "1" * 20)
    assert (mismatch.code, mismatch.cardState) == (4, "unknown")
    replaced = citizen_by(lambda c, card: card.state == "replaced")
    answer = client.card_status(replaced.cid, replaced.card.request_no)
    assert (answer.code, answer.cardState, answer.isLatest) == (0, "replaced", False)


def test_service_list(client: LinkageClient) -> None:
    listed = {s.serviceID for s in client.services().services}
    assert listed == set(ALL_SERVICES)


def test_outside_service_hours(server: RunningServer, client: LinkageClient,
                               ordinary: Any) -> None:
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    # A one-minute window that has just closed: "now" is outside it.
    start = (now - dt.timedelta(minutes=3)).time().replace(second=0, microsecond=0)
    end = (now - dt.timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    if end < start:  # just after midnight: pick a window later today instead
        start, end = dt.time(23, 58), dt.time(23, 59)
    server.policy.service_hours = (start, end)
    with pytest.raises(E.OutsideServiceHours) as info:
        client.query(consent_for(ordinary), [1])
    assert info.value.message_key == "linkage.outside_hours"
    assert info.value.status_code == 403
    server.policy.service_hours = None
    assert client.query(consent_for(ordinary), [1])[1].error is None


def test_daily_quota(server: RunningServer, client: LinkageClient, ordinary: Any) -> None:
    server.policy.daily_quota = 2
    client.query(consent_for(ordinary), [1])
    client.card_status(ordinary.cid, ordinary.card.request_no)
    with pytest.raises(E.QuotaExceeded) as info:
        client.query(consent_for(ordinary), [1])
    # Retry-After until Bangkok midnight is far beyond the call's budget: no retry, no wait.
    assert info.value.retry_after_s is not None and info.value.retry_after_s > 0
    assert client.last is not None and client.last.attempts == 1
    assert info.value.message_key == "linkage.quota_exceeded"


def test_no_personal_data_in_logs(client: LinkageClient, ordinary: Any,
                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.linkage")
    client.query(consent_for(ordinary), [1])
    with pytest.raises(E.CitizenNotLoggedIn):
        client.query(consent_for(ordinary, at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)), [1])
    text = caplog.text
    assert caplog.records, "the client logs its calls"
    assert ordinary.cid not in text
    assert ordinary.card.chip_no not in text
    assert "xxxxx" in text  # the masked form is what names the citizen


def test_consent_without_time_zone_is_an_invalid_request(client: LinkageClient,
                                                         ordinary: Any) -> None:
    token = client.auth.current()
    body = {"jobID": "KIOSK-SELF-SERVICE",
            "consent": {**consent_for(ordinary).model_dump(mode="json"),
                        "consentedAt": "2026-01-01T10:00:00"},
            "data": [{"serviceID": 1, "query": {"personalID": ordinary.cid}}]}
    import uuid

    r = client._http.post("/api/center/query", json=body,
                          headers={"X-Request-ID": str(uuid.uuid4()),
                                   "Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json()["errorNumber"] == 95020


def test_consent_without_chip_number_is_bound_by_bp1(client: LinkageClient,
                                                     ordinary: Any) -> None:
    consent = consent_for(ordinary).model_copy(update={"chipNo": None})
    assert client.query(consent, [1])[1].error is None
    wrong_bp1 = consent.model_copy(update={"requestNo": "1" * 20})
    with pytest.raises(E.InvalidSmartCard):
        client.query(wrong_bp1, [1])


def test_reference_server_leaves_the_host_logging_alone(tmp_path: Path,
                                                       creds: KioskCredentials,
                                                       seeds: SeedIndex) -> None:
    # uvicorn's default log config closes every handler of the process it runs in and
    # gives its own loggers an unmasked stderr handler; the simulators turn that off.
    from kiosk.logging_setup import configure_logging

    log_file = tmp_path / "kiosk.log"
    configure_logging("INFO", log_file)
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    srv = run_in_thread(state_dir=tmp_path / "server", pki_dir=creds.ca_file.parent,
                        seeds=seeds)
    try:
        assert all(h.stream is not None for h in ours), "a kiosk handler was closed"
        uvicorn_log = logging.getLogger("uvicorn.error")
        assert uvicorn_log.propagate and not logging.getLogger("uvicorn").handlers
        uvicorn_log.warning("peer sent %s", "1101700207030")
    finally:
        srv.stop()
    text = log_file.read_text(encoding="utf-8")
    assert "1-1017-xxxxx-xx-0" in text and "1101700207030" not in text
