"""Generate the synthetic citizen dataset: ``seeds/citizens.json`` and ``seeds/photos/*.jpg``.

Run: ``.venv/bin/python seeds/generate.py [--out DIR]``. Deterministic: one
``random.Random(20261125)`` drives every choice and the only date is the fixed reference
day 2026-11-25, so running it twice gives byte-identical files. Names are drawn at random
from pools of common Thai given names and surnames and combined freely; every citizen ID
is generated with a valid check digit. No real person's data.

The first citizens are the "interesting" ones, in the order of ``INTERESTING`` below
(``seeds/README.md`` lists them); index 0 is a plain adult in Bangkok with an active card.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from kiosk.domain.citizen_id import CitizenId, generate  # noqa: E402
from kiosk.domain.thai_date import ThaiDate, age_on  # noqa: E402
from seeds.faces import draw_face  # noqa: E402
from seeds.interesting import INTERESTING, order_interesting  # noqa: E402, F401
from seeds.people import (  # noqa: E402
    Person,
    add_years,
    be,
    digits,
    make_birth,
    name_pair,
    prefix_for,
    random_day,
)
from seeds.pools import (  # noqa: E402
    ATR_MID,
    ATR_NEW,
    ATR_OLD,
    BE,
    DEMO_CID,
    DISTRICTS,
    FEMALE_FIRST,
    HOUSEHOLDS,
    MALE_FIRST,
    MIDDLE_NAMES,
    MIN_CITIZENS,
    REFERENCE,
    RIGHTS,
    SEED,
    SURNAMES,
    WELFARE,
    District,
)
from seeds.variety import EN_SYLLABLES, TH_SYLLABLES, add_card_variety  # noqa: E402, F401


class Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.used_cids: set[str] = {DEMO_CID}
        self.used_house_ids: set[str] = set()
        self.households: list[dict[str, Any]] = []
        self.citizens: list[dict[str, Any]] = []

    # identifiers
    def new_cid(self, birth: ThaiDate, office: str) -> str:
        rng = self.rng
        year = birth.be_year or 2500
        if year >= 2527:
            category = rng.choices([1, 2, 5, 6, 7, 8], [88, 5, 2, 2, 2, 1])[0]
        else:
            category = rng.choices([3, 4, 5, 8], [90, 5, 3, 2])[0]
        while True:
            cid = generate(category, office, rng.randint(0, 9_999_999)).digits
            if cid not in self.used_cids:
                self.used_cids.add(cid)
                return cid

    def new_house_id(self, office: str) -> str:
        while True:
            house_id = office + digits(self.rng, 7)
            if house_id not in self.used_house_ids:
                self.used_house_ids.add(house_id)
                return house_id

    # places
    def make_address(self, place: District) -> str:
        rng = self.rng
        house = str(rng.randint(1, 499))
        if rng.random() < 0.35:
            house += f"/{rng.randint(1, 99)}"
        moo = "" if place.bangkok or rng.random() < 0.3 else f"หมู่ที่ {rng.randint(1, 15)}"
        road_name = rng.choice(place.roads)
        lane = ""
        roll = rng.random()
        if roll < (0.55 if place.bangkok else 0.2):
            lane = f"ซอย{road_name} {rng.randint(1, 99)}" if rng.random() < 0.7 else "ซอยวัดใหม่"
        elif roll < (0.6 if place.bangkok else 0.23):
            lane = "ตรอกโรงน้ำแข็ง"
        road = f"ถนน{road_name}" if rng.random() < (0.85 if place.bangkok else 0.45) else ""
        sub = rng.choice(place.subdistricts)
        if place.bangkok:
            tail = f"แขวง{sub}#เขต{place.district}#กรุงเทพมหานคร"
        else:
            tail = f"ตำบล{sub}#อำเภอ{place.district}#จังหวัด{place.province}"
        return f"{house}#{moo}#{lane}#{road}##{tail}"

    def issuer(self, place: District) -> tuple[str, str]:
        if place.bangkok:
            name = f"สำนักงานเขต{place.district}/กรุงเทพมหานคร"
        else:
            name = f"อำเภอ{place.district}/{place.province}"
        code = f"{place.office}{int(place.office) * 7919 % 10**9:09d}"
        return name, code

    # households
    def household_people(self, size: int) -> list[Person]:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        head_gender = rng.choice("12")
        head_age = rng.randint(24, 88) if size > 1 else rng.randint(19, 92)
        people = [self.person(head_gender, head_age, surname, "เจ้าบ้าน")]
        if size >= 2 and head_age < 80 and rng.random() < 0.8:
            spouse_gender = "2" if head_gender == "1" else "1"
            spouse_age = max(19, min(95, head_age + rng.randint(-6, 6)))
            spouse = self.person(spouse_gender, spouse_age, surname, "คู่สมรส")
            woman = people[0] if head_gender == "2" else spouse
            woman.married_woman = True
            if woman is spouse:
                woman.maiden = rng.choice([s for s in SURNAMES if s != surname])
            people.append(spouse)
        while len(people) < size:
            youngest_parent = min(p.record["age"] for p in people[:2])
            if youngest_parent >= 27 and rng.random() < 0.75:
                child_age = rng.randint(7, min(youngest_parent - 20, 60))
                people.append(self.person(rng.choice("12"), child_age, surname, "บุตร"))
            elif head_age < 60 and rng.random() < 0.5:
                gender = rng.choice("12")
                relation = "บิดา" if gender == "1" else "มารดา"
                parent_age = min(99, head_age + rng.randint(20, 35))
                people.append(self.person(gender, parent_age, surname, relation))
            else:
                other = rng.choice(SURNAMES)
                people.append(self.person(rng.choice("12"), rng.randint(18, 80), other, "ผู้อาศัย"))
        return people

    def person(self, gender: str, age: int, surname: tuple[str, str], relation: str) -> Person:
        rng = self.rng
        first = rng.choice(MALE_FIRST if gender == "1" else FEMALE_FIRST)
        birth = make_birth(rng, age, partial_ok=True)
        person = Person(gender, birth, first, surname, relation=relation)
        person.record["age"] = age_on(birth, REFERENCE)
        return person

    def build(self) -> None:
        rng = self.rng
        sizes = [1, 2, 3, 4, 5, 6]
        for h in range(HOUSEHOLDS):
            place = DISTRICTS[3] if h == 0 else (
                rng.choice(DISTRICTS[:7]) if rng.random() < 0.4 else rng.choice(DISTRICTS[7:])
            )  # fmt: skip
            size = 3 if h == 0 else rng.choices(sizes, [14, 20, 25, 21, 12, 8])[0]
            address = self.make_address(place)
            house_id = self.new_house_id(place.office)
            people = self.household_people(size)
            if h == 0:  # the demo citizen: a plain adult in Bangkok with an active card
                demo = people[0]
                demo.gender, demo.first, demo.last = "1", MALE_FIRST[0], SURNAMES[0]
                demo.birth = ThaiDate(2530, 3, 12)
                demo.record["age"] = age_on(demo.birth, REFERENCE)
                demo.record["demo"] = True
                address = "99/1#หมู่ที่ 2##ถนนสุขุมวิท##แขวงคลองเตย#เขตคลองเตย#กรุงเทพมหานคร"
                for other in people[1:]:
                    other.last = SURNAMES[0]
            members = []
            for person in people:
                citizen = self.citizen(person, place, address, house_id)
                self.citizens.append(citizen)
                members.append({"cid": citizen["cid"], "relation": person.relation})
            self.households.append(
                {"house_id": house_id, "address": address, "head": members[0]["cid"],
                 "members": members}
            )  # fmt: skip

    def citizen(self, person: Person, place: District, address: str, house_id: str) -> dict:
        rng = self.rng
        demo = person.record.get("demo", False)
        age = person.record["age"]
        birth_office = place.office if rng.random() < 0.7 else rng.choice(DISTRICTS).office
        cid = DEMO_CID if demo else self.new_cid(person.birth, birth_office)
        earliest = person.birth.earliest()
        assert earliest is not None
        seventh = add_years(earliest, 7)

        # Card kind: most current, some expired and never renewed.
        expired_wanted = not demo and age >= 17 and rng.random() < 0.09
        if demo:
            issue = date(2019, 1, 15)
        elif age >= 78 and rng.random() < 0.5:
            # Lifelong cards are never renewed, so elderly people carry old-generation cards.
            issue = random_day(rng, max(add_years(earliest, 71), add_years(REFERENCE, -16)),
                               REFERENCE - timedelta(days=3))  # fmt: skip
        elif expired_wanted:
            issue = random_day(rng, max(seventh, add_years(REFERENCE, -16)),
                               add_years(REFERENCE, -10))  # fmt: skip
        else:
            issue = random_day(rng, max(seventh, add_years(REFERENCE, -7)),
                               REFERENCE - timedelta(days=3))  # fmt: skip
        age_at_issue = age_on(person.birth, issue)
        if age_at_issue >= 70:
            expiry = "99999999"
        else:
            years = 8 if issue.year + BE >= 2559 else 6
            anchor = person.birth.to_date() or issue
            birthday = add_years(anchor, issue.year + years - anchor.year)
            expiry = be(birthday - timedelta(days=1))

        if cid[0] == "8" and rng.random() < 0.6:
            person.middle = rng.choice(MIDDLE_NAMES)
        # Name at issue time (the card keeps the name it was issued with). The history is
        # chronological and its last "new" is the name on the card.
        history: list[dict[str, str]] = []
        last = person.last
        first = person.first
        middle = person.middle[0]
        married: date | None = None
        if person.married_woman and person.maiden is not None:
            married = random_day(rng, max(add_years(earliest, 18), issue - timedelta(days=5000)),
                                 issue - timedelta(days=1))  # fmt: skip
            if married >= issue:
                married, last, person.married_woman = None, person.maiden, False
        prefix = prefix_for(person, age_at_issue)
        old_first = first
        changed: date | None = None
        if not demo and age_at_issue >= 20 and rng.random() < 0.06:
            pool = MALE_FIRST if person.gender == "1" else FEMALE_FIRST
            old_first = rng.choice([n for n in pool if n != first])
            start = max(add_years(earliest, 18), (married or date.min) + timedelta(days=1))
            changed = random_day(rng, start, issue - timedelta(days=1))
            if changed >= issue:
                changed, old_first = None, first
        if married is not None and person.maiden is not None:
            history.append({
                "date": be(married),
                "old": f"นางสาว#{old_first[0]}#{middle}#{person.maiden[0]}",
                "new": f"นาง#{old_first[0]}#{middle}#{last[0]}",
                "reason": "marriage",
            })  # fmt: skip
        if changed is not None:
            history.append({
                "date": be(changed),
                "old": f"{prefix[0]}#{old_first[0]}#{middle}#{last[0]}",
                "new": f"{prefix[0]}#{first[0]}#{middle}#{last[0]}",
                "reason": "name_change",
            })  # fmt: skip
        th_name, en_name = name_pair(person, prefix, first, last)

        issue_be = issue.year + BE
        yy = f"{issue_be % 100:02d}"
        issuer_name, issuer_code = self.issuer(place)
        atr = ATR_OLD if issue_be < 2558 else ATR_MID if issue_be < 2563 else ATR_NEW
        if demo:
            atr = ATR_NEW  # the demo card is the current generation
        laser = None if issue_be < 2558 else (
            rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
            + digits(rng, 10)
        )  # fmt: skip
        card = {
            "version": "0003" if issue_be >= 2558 else "0002",
            "th_name": th_name,
            "en_name": en_name,
            "birth": person.birth.to_card(),
            "gender": person.gender,
            "request_no": place.office + yy + digits(rng, 14),
            "issuer": issuer_name,
            "issuer_code": issuer_code,
            "issue": be(issue),
            "expiry": expiry,
            "address": address,
            "photo_file": f"photos/{cid}.jpg",
            "photo_ref": place.office + yy + digits(rng, 8),
            "laser_id": laser,
            "chip_no": "".join(rng.choice("0123456789ABCDEF") for _ in range(16)),
            "atr": atr,
        }

        # Status: a few revoked (reported lost), replaced (a newer card exists), deceased.
        status: dict[str, Any] = {"alive": True, "death_date": None, "card_state": "active"}
        roll = rng.random() if not demo else 1.0
        if roll < 0.012 or (roll < 0.03 and age >= 75):
            death = random_day(rng, issue + timedelta(days=1), REFERENCE - timedelta(days=2))
            status = {"alive": False, "death_date": be(death), "card_state": "revoked"}
        elif roll < 0.04:
            status["card_state"] = "revoked"
        elif roll < 0.055:
            status["card_state"] = "replaced"
            status["latest_request_no"] = place.office + f"{(REFERENCE.year + BE) % 100:02d}" + (
                digits(rng, 14)
            )  # fmt: skip

        record = {
            "cid": cid,
            "card": card,
            "house_id": house_id,
            "status": status,
            "nhso": self.nhso(age, place, cid, issue),
            "welfare": self.welfare(person, age, status["alive"]),
            "name_history": history,
        }
        self.draw_later(record, person, age)
        return record

    def nhso(self, age: int, place: District, cid: str, issue: date) -> dict | None:
        rng = self.rng
        if cid[0] in "67" and rng.random() < 0.7:
            return None  # non-Thai categories: often no scheme on file
        if rng.random() < 0.03:
            return None
        if 18 <= age < 60 and rng.random() < 0.35:
            rights = "SSS"
        elif age >= 22 and rng.random() < 0.12:
            rights = rng.choice(["OFC", "OFC", "LGO"])
        else:
            rights = "UCS"
        start = random_day(rng, date(2015, 1, 1), REFERENCE - timedelta(days=30))
        tambon_clinic = "ศูนย์บริการสาธารณสุข" if place.bangkok else "โรงพยาบาลส่งเสริมสุขภาพตำบล"
        return {
            "main_rights": rights,
            "main_rights_name_th": RIGHTS[rights],
            "main_hospital": place.hospital,
            "sub_hospital": f"{tambon_clinic}{rng.choice(place.subdistricts)}",
            "issue": be(start),
            "expiry": "99999999",
        }

    def welfare(self, person: Person, age: int, alive: bool) -> list[dict[str, Any]]:
        rng = self.rng
        state = "active" if alive else "terminated"
        items: list[tuple[str, int]] = []
        if age >= 18 and rng.random() < 0.22:
            items.append(("state_welfare_card", 300))
        if age >= 60 and rng.random() < 0.85:
            items.append(("elderly_allowance", 600 if age < 70 else 700 if age < 80 else
                          800 if age < 90 else 1000))  # fmt: skip
        if rng.random() < 0.03:
            items.append(("disability_allowance", 1000 if age < 18 else 800))
        if person.gender == "2" and 20 <= age <= 42 and rng.random() < 0.12:
            items.append(("child_support_grant", 600))
        return [
            {"program": program, "name_th": WELFARE[program][0], "name_en": WELFARE[program][1],
             "status": state, "monthly_baht": baht}
            for program, baht in items
        ]  # fmt: skip

    def draw_later(self, record: dict, person: Person, age: int) -> None:
        # Photo parameters are drawn now so the random stream does not depend on file I/O.
        rng = self.rng
        record["_photo"] = {
            "seed": rng.randint(0, 2**31 - 1),
            "female": person.gender == "2",
            "age": age,
        }


def write(out: Path) -> list[tuple[int, str]]:
    gen = Generator()
    gen.build()
    add_card_variety(gen)
    if len(gen.citizens) < MIN_CITIZENS:
        raise RuntimeError(f"only {len(gen.citizens)} citizens; raise HOUSEHOLDS")
    table = order_interesting(gen.citizens)
    photos = out / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    for old in sorted(photos.glob("*.jpg")):
        old.unlink()
    for citizen in gen.citizens:
        params = citizen.pop("_photo")
        (out / citizen["card"]["photo_file"]).write_bytes(draw_face(**params))
    CitizenId.parse(gen.citizens[0]["cid"])  # sanity: the demo ID is valid
    document = {
        "format": 1,
        "seed": SEED,
        "reference_date": REFERENCE.isoformat(),
        "citizens": gen.citizens,
        "households": gen.households,
    }
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    (out / "citizens.json").write_text(text, encoding="utf-8")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="output directory (default: seeds/)")  # fmt: skip
    args = parser.parse_args(argv)
    table = write(args.out)
    print("| index | what |\n|---|---|")
    for index, label in table:
        print(f"| {index} | {label} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
