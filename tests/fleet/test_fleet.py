"""A small simulated fleet scraped by a real Prometheus (Debian's package) with the shipped
rules: the alerts it reports firing are exactly the faults the simulation planted."""

from __future__ import annotations

import pytest

from fleet.alerting import Webhook
from simulators.fleet import FAULTS, RULES_FILE, Fleet, Prometheus, plan_fleet, rules_for_demo


def test_the_plan_plants_every_fault_and_leaves_healthy_kiosks() -> None:
    fleet = plan_fleet(60)
    planted = {alert for s in fleet for alert in s.expected}
    assert planted == set(FAULTS)
    assert sum(1 for s in fleet if not s.expected) >= 30
    assert len({s.name for s in fleet}) == 60
    with pytest.raises(ValueError, match="at least"):
        plan_fleet(len(FAULTS))


def test_demo_rules_only_shorten_for_durations() -> None:
    shipped = RULES_FILE.read_text()
    demo = rules_for_demo(shipped, 4.0)
    assert "for: 4000ms" in demo and "for: 5m" not in demo
    assert demo.count("\n") == shipped.count("\n")
    assert demo.count("expr:") == shipped.count("expr:")


def test_prometheus_fires_exactly_the_planted_alerts(
        fleet_and_prometheus: tuple[Fleet, Prometheus]) -> None:
    fleet, prom = fleet_and_prometheus
    planted = fleet.planted()
    assert {alert for alert, _ in planted} == set(FAULTS)
    assert prom.firing() == planted
    for alert in prom.alerts():
        kiosk = alert["labels"]["kiosk"]
        assert f"Kiosk {kiosk}" in alert["annotations"]["summary"]
        assert f"ตู้ {kiosk}" in alert["annotations"]["summary_th"]


def test_alertmanager_notifies_each_kiosk_once_routed_by_severity(
        fleet_and_prometheus: tuple[Fleet, Prometheus],
        webhook_and_alertmanager: tuple[Webhook, str]) -> None:
    fleet, prom = fleet_and_prometheus
    hook, _ = webhook_and_alertmanager
    planted = fleet.planted()

    def notified() -> set[tuple[str, str]]:
        return {(a["labels"]["alertname"], a["labels"]["kiosk"])
                for _, body in hook.received for a in body["alerts"]
                if a["status"] == "firing"}

    hook.wait_for("a notification for every planted alert",
                  lambda: planted <= notified(), deadline_s=90)
    assert notified() == planted
    severity = {a["labels"]["alertname"]: a["labels"]["severity"] for a in prom.alerts()}
    for path, body in hook.received:
        # Grouped by kiosk: one notification names one kiosk.
        assert set(body["groupLabels"]) == {"kiosk"}
        assert {a["labels"]["kiosk"] for a in body["alerts"]} == {body["groupLabels"]["kiosk"]}
        expected = {"critical": "/technicians-on-call", "warning": "/technicians"}
        for a in body["alerts"]:
            assert path == expected[severity[a["labels"]["alertname"]]], (path, a["labels"])
