"""The committed synthetic dataset: complete, consistent, readable as real card bytes."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from kiosk.domain import (
    CardIdentity,
    CitizenId,
    PersonName,
    ThaiDate,
    age_on,
    is_expired,
    statutory_age_on,
)
from simulators.seeds import SeedCitizen, SeedData, load_seeds

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
REFERENCE = date(2026, 11, 25)
# The MOI applet's field lengths in bytes (reference: thai-id-card.md), written out here
# on purpose rather than imported, so the test checks the domain's table too.
FIELD_LENGTHS = {
    "version": 4, "cid": 13, "th_name": 100, "en_name": 100, "birth": 8, "gender": 1,
    "request_no": 20, "issuer": 100, "issuer_code": 13, "issue": 8, "expiry": 8,
    "address": 160, "photo_ref": 14,
}  # fmt: skip


@pytest.fixture(scope="module")
def seeds() -> SeedData:
    return load_seeds()


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed_generator", SEEDS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def card_bytes(citizen: SeedCitizen) -> dict[str, bytes]:
    card = citizen["card"]
    text = dict(card, cid=citizen["cid"])
    pad = bytes.fromhex(card.get("padding", "20"))
    fields = {name: text[name].encode("tis_620").ljust(n, pad) for name, n in FIELD_LENGTHS.items()}
    if "version_bytes" in card:
        fields["version"] = bytes.fromhex(card["version_bytes"])
    return fields


def test_header(seeds: SeedData) -> None:
    raw = json.loads((SEEDS / "citizens.json").read_text(encoding="utf-8"))
    assert (raw["format"], raw["seed"], raw["reference_date"]) == (1, 20261125, "2026-11-25")
    assert seeds.reference_date == REFERENCE
    assert len(seeds.citizens) >= 520


def test_every_card_round_trips_through_card_bytes(seeds: SeedData) -> None:
    for citizen in seeds.citizens:
        card = citizen.card
        identity = CardIdentity.from_card_fields(card_bytes(citizen))
        assert identity.citizen_id.digits == citizen.cid
        assert identity.name_th.to_card() == card.th_name
        assert identity.name_en.to_card() == card.en_name
        assert identity.birth_date.to_card() == card.birth
        assert identity.gender.value == card.gender
        assert identity.request_no == card.request_no
        assert identity.issuer.text() == card.issuer
        assert identity.issuer_code.text() == card.issuer_code
        assert identity.issue_date.to_card() == card.issue
        assert identity.expiry_date.to_card() == card.expiry
        assert identity.address.to_card() == card.address
        assert identity.card_version.raw == card_bytes(citizen)["version"]
        assert identity.photo_ref is not None and identity.photo_ref.text() == card.photo_ref
        assert citizen.card_fields() == card_bytes(citizen)  # the loader's helper agrees


def test_cards_show_the_variety_of_real_ones(seeds: SeedData) -> None:
    cards = [c.card for c in seeds.citizens]
    assert sum(len(c.address.encode("tis_620")) > 100 for c in cards) >= 20
    assert all(len(c.address.encode("tis_620")) <= 160 for c in cards)
    assert sum(len(c.th_name.encode("tis_620")) == 100 for c in cards) >= 3
    assert sum(len(c.en_name.encode("ascii")) == 100 for c in cards) >= 3
    assert {c.version_bytes for c in cards} >= {None, "00030000", "00020000"}
    assert {c.padding for c in cards} == {"20", "00", "ff"}
    # The variety came after the first dataset: its citizens keep their places.
    assert seeds.citizens[0].cid == "1101700207030"
    assert all(c.padding == "20" and c.version_bytes is None for c in cards[:614])


def test_field_formats(seeds: SeedData) -> None:
    for c in seeds.citizens:
        card = c.card
        assert re.fullmatch(r"\d{4}", card.version)
        assert re.fullmatch(r"\d{20}", card.request_no)
        assert len(card.issuer_code) == 13
        assert re.fullmatch(r"\d{14}", card.photo_ref)
        assert re.fullmatch(r"[0-9A-F]{16}", card.chip_no)
        assert card.gender in ("1", "2")
        assert card.photo_file == f"photos/{c.cid}.jpg"
        assert card.address.count("#") == 7
        bytes.fromhex(card.atr.replace(" ", ""))
        assert re.fullmatch(r"\d{11}", c.house_id)


def test_ids_are_valid_and_unique(seeds: SeedData) -> None:
    cids = [c.cid for c in seeds.citizens]
    assert len(set(cids)) == len(cids)
    for cid in cids:
        CitizenId.parse(cid)


def test_photos(seeds: SeedData) -> None:
    files = sorted((SEEDS / "photos").glob("*.jpg"))
    assert len(files) == len(seeds.citizens)  # no stale photos left behind
    for citizen in seeds.citizens:
        photo = citizen.photo_bytes()
        assert len(photo) <= 5000  # the card's photo area holds 5100 bytes
        assert photo[:4] == b"\xff\xd8\xff\xe0" and photo[6:11] == b"JFIF\x00"
        assert photo.endswith(b"\xff\xd9")
        with Image.open(io.BytesIO(photo)) as image:
            assert image.size == (120, 150) and image.format == "JPEG"


def test_generator_is_deterministic_and_output_is_current(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SEEDS / "generate.py"), "--out", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert (tmp_path / "citizens.json").read_bytes() == (SEEDS / "citizens.json").read_bytes()
    fresh = sorted(p.name for p in (tmp_path / "photos").glob("*.jpg"))
    committed = sorted(p.name for p in (SEEDS / "photos").glob("*.jpg"))
    assert fresh == committed
    for name in fresh:
        assert (tmp_path / "photos" / name).read_bytes() == (SEEDS / "photos" / name).read_bytes()


def test_households(seeds: SeedData) -> None:
    placed: Counter[str] = Counter()
    for household in seeds.households:
        members = [m.cid for m in household.members]
        assert 1 <= len(members) <= 6
        assert household.head == members[0]
        assert household.members[0].relation == "เจ้าบ้าน"
        for cid in members:
            citizen = seeds.by_cid(cid)  # exists
            assert citizen.house_id == household.house_id
            assert citizen.card.address == household.address
            placed[cid] += 1
    assert set(placed) == {c.cid for c in seeds.citizens}
    assert max(placed.values()) == 1
    sizes = Counter(len(h.members) for h in seeds.households)
    assert set(sizes) == {1, 2, 3, 4, 5, 6}


def test_card_rules_hold(seeds: SeedData) -> None:
    for c in seeds.citizens:
        birth = ThaiDate.parse_be(c.card.birth)
        issue = ThaiDate.parse_be(c.card.issue)
        expiry = ThaiDate.parse_be(c.card.expiry)
        issue_day = issue.to_date()
        assert issue_day is not None and issue_day <= REFERENCE
        age_at_issue = age_on(birth, issue_day)
        assert statutory_age_on(birth, issue_day) >= 7  # cards from age 7
        assert expiry.lifelong == (age_at_issue >= 70)
        if not expiry.lifelong:
            expiry_day = expiry.to_date()
            assert expiry_day is not None and expiry_day > issue_day
        prefix = PersonName.parse(c.card.th_name).prefix
        assert (prefix in ("ด.ช.", "ด.ญ.")) == (age_at_issue < 15)
        assert prefix in ({"ด.ช.", "นาย"} if c.card.gender == "1" else {"ด.ญ.", "นาง", "นางสาว"})
        old_card = issue_day.year + 543 < 2558
        assert (c.card.laser_id is None) == old_card
        if c.card.laser_id is not None:
            assert re.fullmatch(r"[A-Z]{2}\d{10}", c.card.laser_id)
        if c.card.atr.startswith("3B 67"):
            assert old_card


def test_status_rules_hold(seeds: SeedData) -> None:
    for c in seeds.citizens:
        s = c.status
        assert s.card_state in ("active", "revoked", "replaced")
        if not s.alive:
            death = ThaiDate.parse_be(s.death_date or "").to_date()
            issue = ThaiDate.parse_be(c.card.issue).to_date()
            assert death is not None and issue is not None and issue < death <= REFERENCE
            assert s.card_state == "revoked"
            assert all(w.status == "terminated" for w in c.welfare)
        else:
            assert s.death_date is None
        if s.card_state == "replaced":
            assert s.latest_request_no and s.latest_request_no != c.card.request_no
            assert re.fullmatch(r"\d{20}", s.latest_request_no)
        else:
            assert s.latest_request_no is None


def test_rights_welfare_and_history(seeds: SeedData) -> None:
    for c in seeds.citizens:
        if c.nhso is not None:
            assert c.nhso.main_rights in ("UCS", "SSS", "OFC", "LGO")
            ThaiDate.parse_be(c.nhso.issue)
            ThaiDate.parse_be(c.nhso.expiry)
        age = age_on(ThaiDate.parse_be(c.card.birth), REFERENCE)
        for w in c.welfare:
            assert w.monthly_baht > 0 and w.name_th and w.name_en
            if w.program == "elderly_allowance":
                assert age >= 60
        issue = ThaiDate.parse_be(c.card.issue).to_date()
        dates = [h.date for h in c.name_history]
        assert dates == sorted(dates)
        for h in c.name_history:
            changed = ThaiDate.parse_be(h.date).to_date()
            assert changed is not None and issue is not None and changed < issue
            PersonName.parse(h.old)
            assert h.reason in ("marriage", "name_change")
        if c.name_history:  # the card shows the newest name
            assert c.name_history[-1].new == c.card.th_name


def test_coverage(seeds: SeedData) -> None:
    cs = seeds.citizens
    categories = Counter(c.cid[0] for c in cs)
    assert set(categories) == set("12345678")
    assert categories["1"] + categories["3"] > 0.8 * len(cs)
    genders = Counter(c.card.gender for c in cs)
    assert min(genders["1"], genders["2"]) > 0.35 * len(cs)
    prefixes = Counter(c.card.th_name.split("#")[0] for c in cs)
    for prefix in ("นาย", "นาง", "นางสาว", "ด.ช.", "ด.ญ."):
        assert prefixes[prefix] >= 10, prefix
    births = [c.card.birth for c in cs]
    assert sum(b.endswith("0000") for b in births) >= 5
    assert sum(b.endswith("00") and not b.endswith("0000") for b in births) >= 2
    addresses = [c.card.address.split("#") for c in cs]
    bangkok_districts = {a[6] for a in addresses if a[7] == "กรุงเทพมหานคร"}
    assert len(bangkok_districts) >= 5 and all(d.startswith("เขต") for d in bangkok_districts)
    provinces = {a[7] for a in addresses if a[7] != "กรุงเทพมหานคร"}
    assert len(provinces) >= 10 and all(p.startswith("จังหวัด") for p in provinces)
    rural = [a for a in addresses if a[7] != "กรุงเทพมหานคร"]
    assert all(a[5].startswith("ตำบล") and a[6].startswith("อำเภอ") for a in rural)
    assert any(a[1] for a in rural) and any(not a[1] for a in rural)
    assert any(a[2].startswith("ซอย") for a in rural) and any(not a[2] for a in rural)
    expired = [c for c in cs if is_expired(ThaiDate.parse_be(c.card.expiry), REFERENCE)]
    assert len(expired) >= 10
    assert sum(c.card.expiry == "99999999" for c in cs) >= 10
    states = Counter(c.status.card_state for c in cs)
    assert states["revoked"] >= 5 and states["replaced"] >= 3
    assert sum(not c.status.alive for c in cs) >= 3
    assert sum(bool(c.name_history) for c in cs) >= 20
    atrs = Counter(c.card.atr[:5] for c in cs)
    assert min(atrs["3B 67"], atrs["3B 68"], atrs["3B 79"]) >= 10
    rights = Counter((c.nhso.main_rights if c.nhso else None) for c in cs)
    assert set(rights) == {"UCS", "SSS", "OFC", "LGO", None}
    programs = Counter(w.program for c in cs for w in c.welfare)
    assert set(programs) == {
        "state_welfare_card", "elderly_allowance", "disability_allowance", "child_support_grant",
    }  # fmt: skip


def test_interesting_indices(seeds: SeedData, generator: ModuleType) -> None:
    for index, (label, wanted) in enumerate(generator.INTERESTING):
        assert wanted(seeds.citizens[index].raw), f"{index}: {label}"
    demo = seeds.citizens[0]
    assert demo.cid == "1101700207030"
    assert demo.identity().address.is_bangkok
    assert demo.status.card_state == "active" and demo.status.alive
    assert not is_expired(ThaiDate.parse_be(demo.card.expiry), REFERENCE)
    readme = (SEEDS / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \|", readme, flags=re.MULTILINE)
    assert [int(r) for r in rows] == list(range(len(generator.INTERESTING)))
