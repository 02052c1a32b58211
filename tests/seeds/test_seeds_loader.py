from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simulators.seeds import DEFAULT_PATH, SeedFormatError, load_seeds


def test_default_path_is_the_repository_file() -> None:
    assert DEFAULT_PATH.name == "citizens.json" and DEFAULT_PATH.parent.name == "seeds"
    assert load_seeds().path == DEFAULT_PATH


def test_parsed_once_per_path() -> None:
    assert load_seeds() is load_seeds()
    assert load_seeds(DEFAULT_PATH) is load_seeds()


def test_lookup() -> None:
    seeds = load_seeds()
    first = seeds.citizens[0]
    assert seeds.by_cid(first.cid) is first
    assert seeds.get("1101700207031") is None
    with pytest.raises(KeyError):
        seeds.by_cid("1101700207031")
    assert seeds.household(first.house_id).house_id == first.house_id


def test_records_are_typed_and_mappings() -> None:
    citizen = load_seeds().citizens[0]
    assert citizen["card"]["atr"] == citizen.card.atr
    assert citizen.get("card") is citizen.raw["card"]
    assert set(citizen) >= {"cid", "card", "house_id", "status", "nhso", "welfare"}
    assert citizen.status.alive is True and citizen.status["card_state"] == "active"
    assert citizen.photo_bytes()[:3] == b"\xff\xd8\xff"
    with pytest.raises(TypeError):
        citizen["cid"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        citizen.cid = "x"  # type: ignore[misc]


def test_reprs_hide_personal_data() -> None:
    citizen = load_seeds().citizens[0]
    household = load_seeds().household(citizen.house_id)
    for shown in (repr(citizen), repr(citizen.card), repr(household)):
        assert citizen.cid not in shown and "สมชาย" not in shown


def test_identity_includes_other_applets() -> None:
    citizen = load_seeds().citizens[0]
    identity = citizen.identity()
    assert identity.laser_id == citizen.card.laser_id
    assert identity.chip_no == citizen.card.chip_no


def test_a_copy_elsewhere_loads_with_its_own_photos(tmp_path: Path) -> None:
    src = DEFAULT_PATH.parent
    shutil.copy(src / "citizens.json", tmp_path / "citizens.json")
    document = json.loads((tmp_path / "citizens.json").read_text(encoding="utf-8"))
    first = document["citizens"][0]
    (tmp_path / "photos").mkdir()
    (tmp_path / first["card"]["photo_file"]).write_bytes(b"\xff\xd8\xff\xe0copy")
    seeds = load_seeds(tmp_path / "citizens.json")
    assert seeds is not load_seeds()
    assert seeds.citizens[0].photo_bytes() == b"\xff\xd8\xff\xe0copy"


@pytest.mark.parametrize(
    "content", ["not json", "[]", '{"format": 2, "citizens": [], "households": []}',
                '{"format": 1, "seed": 1, "reference_date": "2026-11-25", "citizens": [{}], '
                '"households": []}']
)  # fmt: skip
def test_bad_files_raise_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "citizens.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SeedFormatError):
        load_seeds(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SeedFormatError):
        load_seeds(tmp_path / "nope.json")
