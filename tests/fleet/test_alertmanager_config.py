"""The example Alertmanager config and its Thai/English template, checked by amtool
(Debian's `prometheus-alertmanager`). Routing, grouping and inhibition run for real in
test_fleet.py::test_alertmanager_notifies_each_kiosk_once_routed_by_severity."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

AM = Path(__file__).resolve().parents[2] / "ops" / "alertmanager"


def amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        pytest.fail("amtool not found: install Debian's `prometheus-alertmanager` package")
    return path


def check(config_text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "alertmanager.yml"
    config.write_text(config_text.replace("/etc/alertmanager/templates/kiosk.tmpl",
                                          str(AM / "kiosk.tmpl")))
    return subprocess.run([amtool(), "check-config", str(config)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_amtool_accepts_the_example_config_and_template(tmp_path: Path) -> None:
    done = check((AM / "alertmanager.example.yml").read_text(), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 templates" in done.stdout and "2 receivers" in done.stdout


def test_amtool_refuses_a_broken_route(tmp_path: Path) -> None:
    broken = (AM / "alertmanager.example.yml").read_text().replace(
        "receiver: technicians-on-call", "receiver: nobody")
    done = check(broken, tmp_path)
    assert done.returncode != 0 and "nobody" in done.stdout + done.stderr


def test_the_template_renders() -> None:
    done = subprocess.run(
        [amtool(), "template", "render", f"--template.glob={AM / 'kiosk.tmpl'}",
         '--template.text={{ template "kiosk.subject" . }}'],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "ตู้" in done.stdout and "alert(s)" in done.stdout
