"""``python -m kiosk card read``: the technician's view of a card, as one JSON object."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.maintenance.card_check import card_report
from simulators.seeds import SeedData
from simulators.vcard.profile import Faults

from .conftest import Rig, card_for, wait_slot_empty

ROOT = Path(__file__).resolve().parents[2]
# Plain, 3B 67 (P2=01), 3B 68 (SELECT 90 00), then the variety: binary version, 0x00 and
# 0xFF padding, a 100-byte name and long addresses.
VARIANTS = [0, 8, 9, 614, 615, 616]


def kiosk_card_read(*args: str) -> tuple[int, dict]:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "card", "read", "--wait", "5", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return done.returncode, json.loads(lines[-1])


def assert_fields_are(report: dict, seeds: SeedData, index: int) -> None:
    citizen = seeds.citizens[index]
    fields = report["fields"]
    assert all(f["ok"] for f in fields.values()), fields
    assert fields["cid"]["value"] == citizen.cid
    assert fields["th_name"]["value"] == citizen.card.th_name
    assert fields["en_name"]["value"] == citizen.card.en_name
    assert fields["address"]["value"] == citizen.card.address
    assert fields["birth"]["value"] == citizen.card.birth
    assert fields["expiry"]["value"] == citizen.card.expiry
    if citizen.card.version_bytes:
        assert fields["version"]["value"]["hex"].replace(" ", "").lower().startswith(
            citizen.card.version_bytes.rstrip("0").lower())
    assert report["identity"] == {"ok": True} and report["exchanges"] == 7


@pytest.mark.parametrize("index", VARIANTS)
def test_reveal_prints_every_field_of_each_variant(seeds: SeedData, index: int) -> None:
    status, report = kiosk_card_read("--reveal", "--driver", "simulated",
                                     "--seed-citizen", str(index))
    assert status == 0 and report["ok"]
    assert_fields_are(report, seeds, index)


def test_personal_fields_are_masked_without_reveal(seeds: SeedData) -> None:
    citizen = seeds.citizens[614]
    status, report = kiosk_card_read("--driver", "simulated", "--seed-citizen", "614", "--photo")
    assert status == 0
    text = json.dumps(report, ensure_ascii=False)
    for secret in (citizen.cid, citizen.card.th_name.split("#")[1], citizen.card.birth,
                   citizen.card.address.split("#")[0]):
        assert secret not in text
    assert report["fields"]["cid"]["value"].count("x") == 7
    assert report["photo"] == {**report["photo"], "ok": True, "bytes": 5100, "exchanges": 40}


def test_no_card_exits_3() -> None:
    status, report = kiosk_card_read("--driver", "simulated", "--wait", "0.2")
    assert status == 3 and not report["ok"]


@pytest.mark.pcsc
def test_a_bad_field_is_named_and_the_rest_still_shown(rig: Rig, seeds: SeedData) -> None:
    reader = rig.insert(card_for(seeds.citizens[614], faults=Faults(bad_check_digit=True)))
    report = card_report(rig.reader, reader, reveal=True)
    assert not report["ok"]
    assert report["fields"]["cid"] == {
        "ok": False, "reason": "citizen_id.check_digit", "bytes": 13,
        "error": report["fields"]["cid"]["error"],
    }
    assert report["identity"] == {"ok": False, "field": "cid", "reason": "citizen_id.check_digit"}
    assert report["fields"]["address"]["value"] == seeds.citizens[614].card.address
    assert report["exchanges"] == 7


@pytest.mark.pcsc
@pytest.mark.parametrize("index", VARIANTS)
def test_command_through_pcscd_and_vpcd(rig: Rig, seeds: SeedData, index: int) -> None:
    rig.insert(card_for(seeds.citizens[index]))
    status, report = kiosk_card_read("--reveal", "--driver", "pcsc",
                                     "--reader", rig.slots[0].reader)
    assert status == 0, report
    assert_fields_are(report, seeds, index)
    assert report["driver"] == "pcsc"
    rig.cards[0].remove()
    wait_slot_empty(rig.reader, rig.slots[0])
