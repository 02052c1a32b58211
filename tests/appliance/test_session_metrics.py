"""Metrics from session views and health reports: counts and timings, nothing personal."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest

from kiosk.appliance.metrics import KioskMetrics, serve
from kiosk.appliance.session_metrics import SessionMetrics, record_health
from kiosk.maintenance.health import HealthItem, HealthReport, Status
from kiosk.session.view import (
    IdentitySummary,
    PrintStatus,
    ResultView,
    Screen,
    SessionView,
    Text,
)

CID = "1101700207030"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def identity() -> IdentitySummary:
    return IdentitySummary(cid_display=CID, cid_masked="1-1017-xxxxx-xx-0",
                           name_th="นาย สมชาย ใจดี", name_en="Mr. Somchai Jaidee",
                           birth_date=Text("1 ม.ค. 2520", "1 Jan 1977"), address="กรุงเทพ",
                           card_expiry=Text("-", "-"), card_expired=False)


def scrape(m: KioskMetrics) -> str:
    server = serve(m, 0)
    try:
        return httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5).text
    finally:
        server.close()


def test_a_session_is_counted_and_timed() -> None:
    m = KioskMetrics()
    clock = Clock()
    observer = SessionMetrics(m, clock)
    seq = iter(range(1, 100))

    def show(**fields: object) -> None:
        observer.on_view(SessionView(seq=next(seq), **fields))  # type: ignore[arg-type]

    show(session_id=None, screen=Screen.IDLE)
    show(session_id="s1", screen=Screen.READING)
    clock.now += 0.8
    show(session_id="s1", screen=Screen.IDENTITY, identity=identity())
    show(session_id="s1", screen=Screen.MENU)
    show(session_id="s1", screen=Screen.RUNNING, selected_service="registry_record")
    clock.now += 0.3
    result = ResultView(service_id="registry_record", title=Text("t", "t"), status="ok")
    view = SessionView(seq=next(seq), session_id="s1", screen=Screen.RESULT, result=result)
    observer.on_view(view)
    observer.on_view(replace(view, seq=next(seq)))  # a redraw is not a second outcome
    show(session_id="s1", screen=Screen.PRINTING, print_status=PrintStatus.PRINTING)
    show(session_id="s1", screen=Screen.FINISHED, print_status=PrintStatus.PRINTED)
    show(session_id=None, screen=Screen.IDLE)
    # A second citizen times out.
    show(session_id="s2", screen=Screen.READING)
    show(session_id="s2", screen=Screen.IDENTITY, identity=identity())
    show(session_id="s2", screen=Screen.TIMEOUT_WARNING, countdown_s=20)
    show(session_id=None, screen=Screen.IDLE)
    # A third prints on a printer that cannot confirm: counted apart from "printed".
    show(session_id="s3", screen=Screen.PRINTING, print_status=PrintStatus.PRINTING)
    show(session_id="s3", screen=Screen.FINISHED, print_status=PrintStatus.UNCONFIRMED)
    show(session_id=None, screen=Screen.IDLE)

    text = scrape(m)
    assert 'kiosk_sessions_total{outcome="completed"} 2.0' in text
    assert 'kiosk_sessions_total{outcome="timeout"} 1.0' in text
    assert 'kiosk_service_outcomes_total{outcome="ok",service="registry_record"} 1.0' in text
    assert 'kiosk_card_read_seconds_bucket{le="1.0",outcome="ok"} 2.0' in text
    assert 'kiosk_card_read_seconds_bucket{le="0.5",outcome="ok"} 1.0' in text
    run = re.search(
        r'kiosk_linkage_query_seconds_sum\{outcome="ok",service="registry_record"\} (\S+)', text)
    assert run and float(run.group(1)) == pytest.approx(0.3)
    assert 'kiosk_prints_total{outcome="printed"} 1.0' in text
    assert 'kiosk_prints_total{outcome="unconfirmed"} 1.0' in text
    for personal in (CID, "สมชาย", "Somchai", "xxxxx"):
        assert personal not in text


def test_health_report_sets_gauges() -> None:
    m = KioskMetrics()
    report = HealthReport((
        HealthItem("outbox", Status.WARN, "2 dead", {"waiting": 5, "dead": 2,
                                                     "oldest_waiting_s": 90}),
        HealthItem("printer", Status.FAIL, "paper out", {"state": "paper_out"}),
        HealthItem("vpcd", Status.FAIL, "configured"),
        HealthItem("disk", Status.OK, "fine"),
    ), 0.0)
    record_health(m, report)
    text = scrape(m)
    assert "kiosk_outbox_depth 5.0" in text and "kiosk_outbox_dead 2.0" in text
    assert "kiosk_outbox_oldest_age_seconds 90.0" in text
    assert 'kiosk_printer_state{state="paper_out"} 1.0' in text
    assert "kiosk_vpcd_reader_configured 1.0" in text
    assert 'kiosk_health_status{item="printer"} 2.0' in text
    assert 'kiosk_health_status{item="disk"} 0.0' in text
