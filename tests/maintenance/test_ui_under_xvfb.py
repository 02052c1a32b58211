"""Runs the Kivy maintenance-screen suite (tests/maintenance/kivy_suite) in a child pytest.

Kivy allows one window per process and tests/ui already builds the kiosk app in the main
pytest process, so the maintenance screens get a process (and a private Xvfb, via the UI
kit's ensure_display) of their own. The child's own report is shown on failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import UI_SUITE_ENV

HERE = Path(__file__).resolve().parent
SUITE = HERE / "kivy_suite"


@pytest.mark.ui
def test_maintenance_screens_under_xvfb() -> None:
    env = dict(os.environ, **{UI_SUITE_ENV: "1"})
    done = subprocess.run(
        # In file order (no pytest-randomly): the screens share one app and each test
        # starts where the previous one left the menu (a shared walk, on purpose).
        [sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", "-o", "addopts=", "-W", "ignore::DeprecationWarning"],
        cwd=HERE.parents[1], env=env, capture_output=True, text=True, timeout=900,
        check=False,
    )
    report = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    summary = re.search(r"(\d+) passed", done.stdout)
    assert summary and int(summary.group(1)) >= 14, report
    assert "skipped" not in done.stdout and "xfail" not in done.stdout, report
