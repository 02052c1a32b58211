"""Prometheus metrics over real HTTP on loopback; label values cannot carry personal data."""

from __future__ import annotations

import pytest

from kiosk.appliance.metrics import INVALID_LABEL, KioskMetrics, safe_label, serve
from tests.appliance.scrape import scrape_port


def test_recorded_events_are_scraped_over_http() -> None:
    m = KioskMetrics()
    server = serve(m, 0)
    try:
        m.record_session("completed")
        m.record_session("completed")
        m.record_service("household_registration", "ok")
        m.observe_card_read(0.7)
        m.observe_linkage_query("household_registration", 0.3, "ok")
        m.set_outbox(depth=4, dead=1, oldest_age_s=120.0)
        m.set_printer_state("online")
        m.set_printer_state("paper_out")
        m.record_maintenance("test_print")
        text = scrape_port(server.port)
    finally:
        server.close()
    assert 'kiosk_sessions_total{outcome="completed"} 2.0' in text
    assert 'kiosk_service_outcomes_total{outcome="ok",service="household_registration"} 1.0' in text
    assert 'kiosk_card_read_seconds_bucket{le="1.0",outcome="ok"} 1.0' in text
    assert "kiosk_outbox_depth 4.0" in text and "kiosk_outbox_dead 1.0" in text
    assert "kiosk_outbox_oldest_age_seconds 120.0" in text
    assert 'kiosk_printer_state{state="paper_out"} 1.0' in text
    assert 'kiosk_printer_state{state="online"} 0.0' in text
    assert 'kiosk_maintenance_actions_total{action="test_print"} 1.0' in text
    assert "kiosk_build_info{version=" in text


def test_server_listens_on_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(KioskMetrics(), 0, addr="0.0.0.0")
    server = serve(KioskMetrics(), 0)
    try:
        assert server.server.server_address[0] == "127.0.0.1"
    finally:
        server.close()


@pytest.mark.parametrize(
    "value",
    ["1101700207030", "1-1017-00207-03-0", "สมชาย", "Somchai Jaidee", "x" * 60, ""],
)
def test_personal_looking_label_values_are_refused(value: str) -> None:
    assert safe_label(value) == INVALID_LABEL


def test_a_cid_passed_as_outcome_never_reaches_the_exposition() -> None:
    m = KioskMetrics()
    server = serve(m, 0)
    try:
        m.record_session("1101700207030")
        text = scrape_port(server.port)
    finally:
        server.close()
    assert "1101700207030" not in text
    assert f'kiosk_sessions_total{{outcome="{INVALID_LABEL}"}} 1.0' in text
