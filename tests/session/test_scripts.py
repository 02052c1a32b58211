"""Scripted runs: the parser, the example scripts over the real stack, and the CLI."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.services.scripted import ScriptError, ScriptRunner, parse_script
from kiosk.session.view import Screen

from .stack import REPO, real_stack, write_config

SCRIPTS = REPO / "docs" / "scripts"


def test_parser_names_the_line_of_a_mistake() -> None:
    steps = parse_script("# c\ninsert 3  # card\nwait identity 5\n")
    assert [(s.line, s.verb, s.args) for s in steps] == [
        (2, "insert", ("3",)), (3, "wait", ("identity", "5"))]
    with pytest.raises(ScriptError, match=r"x\.kiosk:2: unknown command 'dance'"):
        parse_script("remove\ndance\n", "x.kiosk")
    with pytest.raises(ScriptError, match="unknown screen"):
        parse_script("wait nowhere")
    with pytest.raises(ScriptError, match=r"takes 1\.\.1"):
        parse_script("choose")


@pytest.mark.parametrize("name", ["tour.kiosk", "offline-request.kiosk"])
def test_example_scripts_run_over_the_real_stack(tmp_path: Path, name: str) -> None:
    with real_stack(tmp_path / "k") as stack:
        runner = ScriptRunner(stack.kiosk.engine, stack.devices)
        report = runner.run(parse_script((SCRIPTS / name).read_text("utf-8"), name))
    assert report.screens[-1] == Screen.IDLE.value
    assert report.receipts >= 1 and report.sessions >= 1


def test_registry_record_script(tmp_path: Path) -> None:
    with real_stack(tmp_path / "k") as stack:
        runner = ScriptRunner(stack.kiosk.engine, stack.devices)
        text = (SCRIPTS / "registry-record.kiosk").read_text("utf-8")
        assert runner.run(parse_script(text)).receipts == 1


def test_a_failed_expectation_names_the_line(tmp_path: Path) -> None:
    with real_stack(tmp_path / "k") as stack:
        runner = ScriptRunner(stack.kiosk.engine, stack.devices)
        with pytest.raises(ScriptError, match=r"line 2 .*screen is idle"):
            runner.run(parse_script("expect idle\nexpect menu\n"))


def test_cli_run_script_with_embedded_server(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, f"https://127.0.0.1:{port}", embedded_server=True)
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), "run-script",
         str(SCRIPTS / "offline-request.kiosk")],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert summary["receipts_printed"] == 1 and summary["final_screen"] == "idle"
    assert any("screen=result" in line for line in lines)
