"""A production install gets the runtime list only: never the virtual card reader."""

from __future__ import annotations

from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def packages(name: str) -> set[str]:
    lines = (SCRIPTS / name).read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_runtime_and_test_lists_are_split() -> None:
    runtime, dev = packages("system-packages.txt"), packages("system-packages-dev.txt")
    assert "pcscd" in runtime and "vsmartcard-vpcd" in dev
    assert not runtime & {"vsmartcard-vpcd", "xvfb", "xauth", "x11-utils", "gettext"}
    assert not runtime & dev
    assert "--runtime" in (SCRIPTS / "ensure-system.sh").read_text()
