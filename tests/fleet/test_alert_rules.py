"""The fleet's alert rules, checked and unit-tested by Prometheus's own promtool.

`promtool test rules` runs ops/prometheus/tests/kiosk-alerts.test.yml: per rule, a faulty
kiosk that fires (with its exact English and Thai summary) and a borderline kiosk that must
not. promtool comes from Debian's `prometheus` package (scripts/system-packages.txt); its
absence fails these tests, it never skips them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

OPS = Path(__file__).resolve().parents[2] / "ops" / "prometheus"
RULES = OPS / "kiosk-alerts.yml"
RULE_TESTS = OPS / "tests" / "kiosk-alerts.test.yml"
# Every promtool test file (the fleet-update rules have their own, evaluated every 10m).
RULE_TEST_FILES = sorted((OPS / "tests").glob("*.test.yml"))


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: install Debian's `prometheus` package "
                    "(make system, or apt-get install prometheus)")
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *map(str, args)], capture_output=True, text=True,
                          timeout=120, check=False)


def alerts() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]
            if "alert" in r]


def test_promtool_check_rules_accepts_the_rule_file() -> None:
    done = run("check", "rules", RULES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in done.stdout


def test_promtool_unit_tests_of_every_rule_pass() -> None:
    done = run("test", "rules", *RULE_TEST_FILES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_every_rule_has_a_firing_and_a_silent_case() -> None:
    cases = [case for path in RULE_TEST_FILES for case in yaml.safe_load(path.read_text())["tests"]]
    by_alert: dict[str, list[list]] = {}
    for case in cases:
        for check in case["alert_rule_test"]:
            by_alert.setdefault(check["alertname"], []).append(check["exp_alerts"])
    for rule in alerts():
        expected = by_alert.get(rule["alert"], [])
        assert any(expected), f"{rule['alert']}: no case where it fires"
        assert [] in expected, f"{rule['alert']}: no case where it must stay silent"


def test_every_rule_names_the_kiosk_and_the_fix_in_thai_and_english() -> None:
    for rule in alerts():
        notes = rule["annotations"]
        assert "{{ $labels.kiosk }}" in notes["summary"] and "Fix:" in notes["summary"]
        assert "{{ $labels.kiosk }}" in notes["summary_th"] and "วิธีแก้" in notes["summary_th"]
        assert rule["labels"]["severity"] in ("warning", "critical")


def test_the_unit_tests_catch_a_changed_threshold(tmp_path: Path) -> None:
    # Proof the promtool cases discriminate: a rule with a wrong threshold fails them.
    (tmp_path / "tests").mkdir()
    broken = RULES.read_text().replace("kiosk_outbox_oldest_age_seconds > 3600",
                                       "kiosk_outbox_oldest_age_seconds > 3400")
    assert broken != RULES.read_text()
    (tmp_path / RULES.name).write_text(broken)
    shutil.copy(RULE_TESTS, tmp_path / "tests" / RULE_TESTS.name)
    done = run("test", "rules", tmp_path / "tests" / RULE_TESTS.name)
    assert done.returncode != 0
    assert "KioskOutboxStale" in done.stdout + done.stderr
