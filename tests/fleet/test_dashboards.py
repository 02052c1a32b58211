"""The Grafana dashboards: provisioned from files, and every query names only metrics and
labels the kiosk's exporter really serves — read by a PromQL tokenizer, then proven by
running each query against a real Prometheus scraping the simulated fleet."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

from fleet.promql import names
from kiosk.appliance.metrics import KioskMetrics
from simulators.fleet import Fleet, Prometheus, feed, plan_fleet

GRAFANA = Path(__file__).resolve().parents[2] / "ops" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
RULES = Path(__file__).resolve().parents[2] / "ops" / "prometheus" / "kiosk-alerts.yml"

# Series Prometheus itself makes: `up` per target, `ALERTS` per alert.
PROMETHEUS_SERIES = {"up", "ALERTS"}
TARGET_LABELS = {"job", "instance", "kiosk"}
ALERT_LABELS = {"alertname", "alertstate", "severity"}


def update_samples() -> list:
    """The fleet updater's own metrics (kiosk/fleet/state.py), for a kiosk that rolled back."""
    from prometheus_client.parser import text_string_to_metric_families

    from kiosk.fleet.state import UpdaterState, render_metrics

    state = UpdaterState(installed="1.1.0", offered="1.2.0", ring="stable", rollbacks=1,
                         held=["1.2.0"], last_result="rolled_back", behind_since=1.0)
    return [s for f in text_string_to_metric_families(render_metrics(state))
            for s in f.samples]


def served_metrics() -> set[str]:
    return (KioskMetrics().metric_names() | PROMETHEUS_SERIES
            | {s.name for s in update_samples()})


def served_labels() -> set[str]:
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    m = KioskMetrics()
    feed(m, plan_fleet(14)[0], time.time())
    text = generate_latest(m.registry).decode()
    return ({label for f in text_string_to_metric_families(text) for s in f.samples
             for label in s.labels} | TARGET_LABELS | ALERT_LABELS
            | {label for s in update_samples() for label in s.labels})


def panels(board: dict) -> list[dict]:
    found = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, expr) for every query of every dashboard."""
    found = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in panels(board):
            for target in panel.get("targets", []):
                found.append((path.name, panel["title"], target["expr"]))
        for var in board["templating"]["list"]:
            if var["type"] == "query":
                # Grafana's label_values(selector, label) is PromQL's count by (label).
                match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["query"]["query"])
                assert match, var["query"]
                found.append((path.name, f"variable {var['name']}",
                              f"count by ({match[2]}) ({match[1]})"))
    return found


def test_there_are_a_fleet_and_a_per_kiosk_dashboard() -> None:
    boards = {json.loads(p.read_text())["uid"]: json.loads(p.read_text()) for p in DASHBOARDS}
    assert set(boards) == {"linkage-kiosk-fleet", "linkage-kiosk-detail"}
    detail_vars = {v["name"] for v in boards["linkage-kiosk-detail"]["templating"]["list"]}
    assert "kiosk" in detail_vars
    for uid, board in boards.items():
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), f"{uid}: panel ids repeat"
        for panel in panels(board):
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, (uid, panel["title"])
            if panel["type"] != "row":
                assert panel["targets"] and panel.get("description"), (uid, panel["title"])
                assert panel["datasource"]["uid"] == "${datasource}"


def test_provisioning_files_load_the_dashboards_from_files() -> None:
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "linkage-kiosk.yml").read_text())
    assert provider["apiVersion"] == 1
    (entry,) = provider["providers"]
    assert entry["type"] == "file" and entry["options"]["path"]
    source = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "kiosk-prometheus.yml").read_text())
    (datasource,) = source["datasources"]
    assert datasource["type"] == "prometheus"


def test_every_query_names_only_served_metrics_and_labels() -> None:
    metrics, labels = served_metrics(), served_labels()
    assert len(queries()) > 30
    for board, title, expr in queries():
        used_metrics, used_labels = names(expr)
        assert used_metrics, f"{board} / {title}: no metric in {expr!r}"
        assert used_metrics <= metrics, f"{board} / {title}: {used_metrics - metrics}"
        assert used_labels <= labels, f"{board} / {title}: {used_labels - labels}"


def test_every_alert_rule_names_only_served_metrics_and_labels() -> None:
    metrics, labels = served_metrics(), served_labels()
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            used_metrics, used_labels = names(rule["expr"])
            assert used_metrics <= metrics, (rule["alert"], used_metrics - metrics)
            assert used_labels <= labels, (rule["alert"], used_labels - labels)


def test_the_name_check_catches_a_misspelt_metric_or_label() -> None:
    metrics, labels = served_metrics(), served_labels()
    used, _ = names('sum(kiosk_paper_out{kiosk="$kiosk"})')
    assert not used <= metrics
    _, used_labels = names('sum by (kiosk_name) (kiosk_outbox_depth)')
    assert not used_labels <= labels
    with pytest.raises(ValueError):
        names('kiosk_outbox_depth{kiosk="a" oops}')


def test_every_query_returns_data_from_a_real_prometheus(
        fleet_and_prometheus: tuple[Fleet, Prometheus]) -> None:
    _, prom = fleet_and_prometheus

    def concrete(expr: str) -> str:
        # Grafana's variables, as Grafana would fill them in (every kiosk at once).
        return (expr.replace('kiosk="$kiosk"', 'kiosk=~".+"')
                .replace("$__rate_interval", "1m"))

    def empty() -> list[str]:
        missing = []
        for board, title, expr in queries():
            query = urllib.parse.quote(concrete(expr))
            if not prom.api(f"/api/v1/query?query={query}")["result"]:
                missing.append(f"{board} / {title}: {expr}")
        return missing

    # Rates need two scrapes of every kiosk: wait for that, with a deadline.
    deadline = time.monotonic() + 60
    while (still := empty()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not still, "queries without data:\n" + "\n".join(still)
