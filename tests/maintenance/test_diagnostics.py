"""The diagnostics bundle never carries a citizen's ID, name or address."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import pytest

from kiosk.config import Settings, load_settings
from kiosk.logging_setup import configure_logging
from kiosk.maintenance.audit import AuditTrail
from kiosk.maintenance.diagnostics import build_bundle
from kiosk.maintenance.health import HealthItem, HealthReport, Status, gather, version_probe
from kiosk.maintenance.pin import write_pin_hash
from kiosk.maintenance.scrub import scrub

from .conftest import write_config

CID = "1101700207030"
CID_DASHED = "1-1017-00207-03-0"
THAI_NAME = "นายสมชาย ใจดี"
THAI_ADDRESS = "123 หมู่ 4 ต.บางรัก อ.บางรัก"
ENGLISH_NAME = "Somchai Jaidee"
PLANTED = (CID, CID_DASHED, "สมชาย", "ใจดี", "บางรัก", "Somchai", "Jaidee", "00207")


def all_text(bundle: Path) -> str:
    with zipfile.ZipFile(bundle) as zf:
        return "\n".join(zf.read(n).decode("utf-8") for n in zf.namelist())


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f"card read for {CID} ok", "card read for 1-1017-xxxxx-xx-0 ok"),
        (f"name={ENGLISH_NAME}, service=household", "name=[redacted], service=household"),
        (f'{{"name_en": "{ENGLISH_NAME}", "code": 2}}', '{"name_en": "[redacted]", "code": 2}'),
        (f"printing for {THAI_NAME}", "printing for [thai]"),
    ],
)
def test_scrub(line: str, kept: str) -> None:
    assert scrub(line) == kept


def test_planted_personal_data_never_reaches_the_bundle(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, technician_extra=f'technician_card_ids = ["{CID}"]')
    settings: Settings = load_settings(cfg)
    state = settings.kiosk.state_dir
    write_pin_hash(settings.technician.pin_hash_file, "480213", params={"n": 1024, "r": 8, "p": 1})

    # A log written through the kiosk's own logging set-up, plus lines that bypassed it
    # (a third-party library writing straight into the file).
    log_file = state / "logs" / "kiosk.log"
    configure_logging("INFO", log_file)
    try:
        logging.getLogger("test.session").info("read card %s for %s", CID, THAI_NAME)
    finally:
        configure_logging("INFO", None)
    with log_file.open("a", encoding="utf-8") as fh:
        fh.write(f"raw: cid={CID_DASHED} name={ENGLISH_NAME}\n")
        fh.write(f'raw json: {{"address": "{THAI_ADDRESS}", "first_name": "{ENGLISH_NAME}"}}\n')
        fh.write("printer: paper out\n")

    trail = AuditTrail(settings.kiosk.id, state / "maintenance-audit.jsonl")
    trail.record("test_print", "ok", profile="generic-80mm-raster")
    trail.record("outbox_discard", "ok", reason=f"citizen {ENGLISH_NAME} asked")

    def leaky_probe() -> HealthItem:
        raise RuntimeError(f"reader returned {CID} for {THAI_NAME}")

    report = gather({"version": version_probe, "card_reader": leaky_probe}, timeout_s=2)
    bundle = build_bundle(settings, report, tmp_path / "usb", audit_lines=trail.recent())

    text = all_text(bundle)
    for secret in PLANTED:
        assert secret not in text, f"{secret!r} leaked into the bundle"
    with zipfile.ZipFile(bundle) as zf:
        assert sorted(zf.namelist()) == [
            "audit.jsonl", "config.json", "health.json", "log.txt", "versions.json"]
        log_txt = zf.read("log.txt").decode()
        config = json.loads(zf.read("config.json"))
        health = json.loads(zf.read("health.json"))
        audit = zf.read("audit.jsonl").decode()
    # Useful content survives the scrubbing.
    assert "printer: paper out" in log_txt and "1-1017-xxxxx-xx-0" in log_txt
    assert config["settings"]["kiosk"]["id"] == "TEST-1017-01"
    assert config["settings"]["technician"]["technician_card_ids"] == ["1-1017-xxxxx-xx-0"]
    pin = config["secret_files"]["technician.pin_hash_file"]
    assert pin["exists"] and pin["mode"] == "0600"
    assert "scrypt" not in text and "salt" not in text  # the hash file itself is not included
    assert health["items"][1]["status"] == Status.FAIL.value
    assert '"action": "test_print"' in audit and "[omitted]" in audit


def test_bundle_name_and_atomic_write(tmp_path: Path, settings: Settings) -> None:
    report = HealthReport((HealthItem("x", Status.OK, "fine"),), 0.0)
    bundle = build_bundle(settings, report, tmp_path / "out", log_files=[])
    assert bundle.name.startswith("linkage-kiosk-diagnostics-TEST-1017-01-")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [bundle.name]
