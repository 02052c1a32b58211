"""``python -m kiosk maintenance …`` in a separate process, like a technician's shell."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kiosk.config import Settings, load_settings
from kiosk.maintenance.paths import audit_file
from kiosk.outbox.model import ItemKind, ItemState
from kiosk.outbox.store import Settlement
from simulators.linkage_server.runner import RunningServer

from .conftest import write_config
from .helpers import open_outbox

EXIT = {"ok": 0, "warn": 1, "fail": 2}


@pytest.fixture
def cfg(tmp_path: Path, server: RunningServer) -> Path:
    path = write_config(tmp_path, base_url=server.base_url)
    open_outbox(load_settings(path)).close()  # creates the outbox key and database
    return path


def kiosk(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(cfg), "maintenance",
                           *args], capture_output=True, text=True, check=False, timeout=120)


def test_health_json_and_exit_code(cfg: Path, server: RunningServer) -> None:
    done = kiosk(cfg, "health", "--json")
    report = json.loads(done.stdout)
    items = {i["key"]: i for i in report["items"]}
    assert items["printer"]["status"] == "ok"
    assert items["linkage"]["status"] == "ok"
    assert items["outbox"]["status"] == "ok"
    assert done.returncode == EXIT[report["overall"]]
    server.stop()
    down = json.loads(kiosk(cfg, "health", "--json").stdout)
    assert {i["key"]: i["status"] for i in down["items"]}["linkage"] == "fail"


def test_dead_items_listed_retried_and_discarded(cfg: Path) -> None:
    settings: Settings = load_settings(cfg)
    box = open_outbox(settings)
    ids = []
    try:
        for reason in ("HTTP 422 validation", "expired after 72 h"):
            r = box.enqueue(ItemKind.SUBMISSION, b"{}")
            box.call(lambda s: s.claim("lease", 10), writes=True)
            box.call(lambda s, r=r, reason=reason: s.settle(
                "lease", [Settlement(r.item_id, ItemState.DEAD, error=reason)]), writes=True)
            ids.append(r.item_id)
    finally:
        box.close()
    listed = kiosk(cfg, "dead")
    assert listed.returncode == 0
    assert ids[0] in listed.stdout and "HTTP 422 validation" in listed.stdout
    assert kiosk(cfg, "retry", ids[0]).returncode == 0
    assert kiosk(cfg, "discard", ids[1]).returncode == 0
    missing = kiosk(cfg, "discard", ids[1])
    assert missing.returncode == 1 and "no such dead item" in missing.stderr
    assert kiosk(cfg, "dead").stdout.strip() == ""
    actions = [json.loads(line)["action"] for line in audit_file(settings).read_text().splitlines()]
    assert actions.count("outbox_discard") == 2 and "outbox_retry" in actions


def test_diagnostics_profiles_and_log(cfg: Path, tmp_path: Path) -> None:
    done = kiosk(cfg, "diagnostics", str(tmp_path / "usb"))
    assert done.returncode == 0, done.stderr
    [bundle] = (tmp_path / "usb").glob("*.zip")
    with zipfile.ZipFile(bundle) as zf:
        assert "health.json" in zf.namelist()
    profiles = kiosk(cfg, "profiles").stdout.split()
    assert "generic-80mm-raster" in profiles and len(profiles) >= 2
    other = next(p for p in profiles if p != "generic-80mm-raster")
    assert kiosk(cfg, "set-profile", other).returncode == 0
    health = json.loads(kiosk(cfg, "health", "--json").stdout)
    printer = {i["key"]: i for i in health["items"]}["printer"]
    assert printer["detail"]["profile"] == other  # remembered across processes
    assert kiosk(cfg, "set-profile", "nope").returncode == 1
    assert kiosk(cfg, "log").returncode == 0
