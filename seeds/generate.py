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
import io
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from kiosk.domain.citizen_id import CitizenId, generate  # noqa: E402
from kiosk.domain.thai_date import ThaiDate, age_on  # noqa: E402

SEED = 20261125
REFERENCE = date(2026, 11, 25)
BE = 543
HOUSEHOLDS = 190
MIN_CITIZENS = 520
PHOTO_LIMIT = 5000
DEMO_CID = "1101700207030"  # the public textbook example; index 0

ATR_NEW = "3B 79 96 00 00 54 48 20 4E 49 44 20 31 37"  # "TH NID 17"
ATR_MID = "3B 68 00 00 00 73 C8 40 12 00 90 00"
ATR_OLD = "3B 67 00 00 73 20 00 6C 68 90 00"  # needs GET RESPONSE 00 C0 00 01

MALE_FIRST = [
    ("สมชาย", "Somchai"), ("สมศักดิ์", "Somsak"), ("ประเสริฐ", "Prasoet"), ("วิชัย", "Wichai"),
    ("สุชาติ", "Suchat"), ("ธนากร", "Thanakorn"), ("กิตติ", "Kitti"), ("อนุชา", "Anucha"),
    ("ณัฐพล", "Nattaphon"), ("ปิยะ", "Piya"), ("ชัยวัฒน์", "Chaiwat"), ("อภิชาติ", "Aphichat"),
    ("ธีรวัฒน์", "Thirawat"), ("วีระ", "Wira"), ("สุรเชษฐ์", "Surachet"), ("พงศกร", "Phongsakon"),
    ("เอกชัย", "Ekkachai"), ("ภานุวัฒน์", "Phanuwat"), ("ศุภชัย", "Supphachai"), ("บุญมี", "Bunmi"),
    ("ทองดี", "Thongdi"), ("สมบัติ", "Sombat"), ("จักรพันธ์", "Chakkraphan"), ("ปกรณ์", "Pakon"),
    ("ธนวัฒน์", "Thanawat"), ("กฤษดา", "Kritsada"), ("วรวุฒิ", "Worawut"), ("อดิศักดิ์", "Adisak"),
    ("ชาญ", "Chan"), ("มานพ", "Manop"),
]  # fmt: skip
FEMALE_FIRST = [
    ("สมหญิง", "Somying"), ("มาลี", "Mali"), ("สุดา", "Suda"), ("วันดี", "Wandi"),
    ("นภา", "Napha"), ("กาญจนา", "Kanchana"), ("ศิริพร", "Siriphon"), ("อรุณี", "Aruni"),
    ("ปราณี", "Prani"), ("สุภาพร", "Suphaphon"), ("พรทิพย์", "Phonthip"), ("จันทร์เพ็ญ", "Chanphen"),
    ("ณัฐธิดา", "Natthida"), ("ชนิดา", "Chanida"), ("ปิยะนุช", "Piyanut"), ("วรรณา", "Wanna"),
    ("รัตนา", "Rattana"), ("อัญชลี", "Anchali"), ("บุษบา", "Butsaba"), ("ลำดวน", "Lamduan"),
    ("ทองใบ", "Thongbai"), ("ขวัญใจ", "Khwanchai"), ("พิมพ์ชนก", "Phimchanok"),
    ("กมลชนก", "Kamonchanok"), ("ธิดารัตน์", "Thidarat"), ("สายสุนีย์", "Saisuni"),
    ("เพ็ญศรี", "Phensi"), ("อำไพ", "Amphai"), ("จิราพร", "Chiraphon"), ("ดวงใจ", "Duangchai"),
]  # fmt: skip
SURNAMES = [
    ("ใจดี", "Jaidee"), ("ดีมาก", "Deemak"), ("รักไทย", "Rakthai"), ("ศรีสุข", "Srisuk"),
    ("มั่นคง", "Mankhong"), ("สุขสวัสดิ์", "Suksawat"), ("บุญมา", "Bunma"),
    ("แก้วประเสริฐ", "Kaeoprasoet"), ("ทองคำ", "Thongkham"), ("วงศ์สวัสดิ์", "Wongsawat"),
    ("จันทร์หอม", "Chanhom"), ("พรหมมา", "Phromma"), ("สายทอง", "Saithong"), ("ศรีวงศ์", "Siwong"),
    ("เจริญสุข", "Charoensuk"), ("ปัญญาดี", "Panyadi"), ("มีสุข", "Misuk"),
    ("รุ่งเรือง", "Rungrueang"), ("สมบูรณ์", "Sombun"), ("แสงทอง", "Saengthong"),
    ("นาคสวัสดิ์", "Naksawat"), ("อินทร์แก้ว", "Inkaeo"), ("ชัยมงคล", "Chaimongkhon"),
    ("เพชรรัตน์", "Phetcharat"), ("บุญเรือง", "Bunrueang"), ("คำแก้ว", "Khamkaeo"),
    ("ทองมา", "Thongma"), ("ศักดิ์ดี", "Sakdi"), ("วัฒนชัย", "Watthanachai"),
    ("สุวรรณศรี", "Suwannasi"),
]  # fmt: skip
MIDDLE_NAMES = [("ปีเตอร์", "Peter"), ("มารี", "Marie"), ("อาลี", "Ali"), ("ยูกิ", "Yuki")]


@dataclass(frozen=True)
class District:
    office: str  # DOPA geocode: 2-digit province + 2-digit district
    province: str
    district: str  # name without prefix
    subdistricts: tuple[str, ...]
    roads: tuple[str, ...]
    hospital: str

    @property
    def bangkok(self) -> bool:
        return self.province == "กรุงเทพมหานคร"


DISTRICTS = [
    District("1004", "กรุงเทพมหานคร", "บางรัก", ("สีลม", "สุริยวงศ์", "มหาพฤฒาราม"),
             ("สีลม", "พระราม 4", "เจริญกรุง"), "โรงพยาบาลเลิดสิน"),
    District("1007", "กรุงเทพมหานคร", "ปทุมวัน", ("ลุมพินี", "รองเมือง", "วังใหม่"),
             ("พระราม 1", "เพลินจิต", "บรรทัดทอง"), "โรงพยาบาลตำรวจ"),
    District("1017", "กรุงเทพมหานคร", "ห้วยขวาง", ("ห้วยขวาง", "สามเสนนอก"),
             ("รัชดาภิเษก", "ประชาราษฎร์บำเพ็ญ"), "โรงพยาบาลราชวิถี"),
    District("1033", "กรุงเทพมหานคร", "คลองเตย", ("คลองเตย", "คลองตัน", "พระโขนง"),
             ("สุขุมวิท", "พระราม 4", "ถนนอาจณรงค์"), "โรงพยาบาลกลาง"),
    District("1039", "กรุงเทพมหานคร", "วัฒนา", ("คลองเตยเหนือ", "คลองตันเหนือ"),
             ("สุขุมวิท", "เพชรบุรีตัดใหม่"), "โรงพยาบาลกลาง"),
    District("1006", "กรุงเทพมหานคร", "บางกะปิ", ("คลองจั่น", "หัวหมาก"),
             ("ลาดพร้าว", "รามคำแหง"), "โรงพยาบาลนพรัตนราชธานี"),
    District("1005", "กรุงเทพมหานคร", "บางเขน", ("อนุสาวรีย์", "ท่าแร้ง"),
             ("พหลโยธิน", "รามอินทรา"), "โรงพยาบาลภูมิพลอดุลยเดช"),
    District("5001", "เชียงใหม่", "เมืองเชียงใหม่", ("ศรีภูมิ", "ช้างเผือก", "สุเทพ"),
             ("ห้วยแก้ว", "มณีนพรัตน์"), "โรงพยาบาลนครพิงค์"),
    District("4001", "ขอนแก่น", "เมืองขอนแก่น", ("ในเมือง", "ศิลา", "บ้านเป็ด"),
             ("มิตรภาพ", "ศรีจันทร์"), "โรงพยาบาลขอนแก่น"),
    District("3001", "นครราชสีมา", "เมืองนครราชสีมา", ("ในเมือง", "โพธิ์กลาง", "หัวทะเล"),
             ("มิตรภาพ", "ราชดำเนิน"), "โรงพยาบาลมหาราชนครราชสีมา"),
    District("9011", "สงขลา", "หาดใหญ่", ("หาดใหญ่", "คอหงส์", "คลองแห"),
             ("เพชรเกษม", "นิพัทธ์อุทิศ 1"), "โรงพยาบาลหาดใหญ่"),
    District("2001", "ชลบุรี", "เมืองชลบุรี", ("บางปลาสร้อย", "บ้านสวน", "เสม็ด"),
             ("สุขุมวิท", "พระยาสัจจา"), "โรงพยาบาลชลบุรี"),
    District("1201", "นนทบุรี", "เมืองนนทบุรี", ("สวนใหญ่", "บางกระสอ", "ท่าทราย"),
             ("รัตนาธิเบศร์", "งามวงศ์วาน"), "โรงพยาบาลพระนั่งเกล้า"),
    District("8301", "ภูเก็ต", "เมืองภูเก็ต", ("ตลาดใหญ่", "รัษฎา", "วิชิต"),
             ("เทพกระษัตรี", "ภูเก็ต"), "โรงพยาบาลวชิระภูเก็ต"),
    District("3401", "อุบลราชธานี", "เมืองอุบลราชธานี", ("ในเมือง", "ขามใหญ่"),
             ("ชยางกูร", "แจ้งสนิท"), "โรงพยาบาลสรรพสิทธิประสงค์"),
    District("6501", "พิษณุโลก", "เมืองพิษณุโลก", ("ในเมือง", "อรัญญิก"),
             ("สิงหวัฒน์", "บรมไตรโลกนาถ"), "โรงพยาบาลพุทธชินราช"),
    District("8401", "สุราษฎร์ธานี", "เมืองสุราษฎร์ธานี", ("ตลาด", "มะขามเตี้ย"),
             ("ตลาดใหม่", "ศรีวิชัย"), "โรงพยาบาลสุราษฎร์ธานี"),
    District("4101", "อุดรธานี", "เมืองอุดรธานี", ("หมากแข้ง", "หนองบัว"),
             ("โพศรี", "ทหาร"), "โรงพยาบาลอุดรธานี"),
    District("5701", "เชียงราย", "เมืองเชียงราย", ("เวียง", "รอบเวียง", "บ้านดู่"),
             ("พหลโยธิน", "ธนาลัย"), "โรงพยาบาลเชียงรายประชานุเคราะห์"),
    District("1401", "พระนครศรีอยุธยา", "พระนครศรีอยุธยา", ("ประตูชัย", "หอรัตนไชย"),
             ("โรจนะ", "อู่ทอง"), "โรงพยาบาลพระนครศรีอยุธยา"),
    District("1101", "สมุทรปราการ", "เมืองสมุทรปราการ", ("ปากน้ำ", "บางเมือง"),
             ("สุขุมวิท", "ศรีนครินทร์"), "โรงพยาบาลสมุทรปราการ"),
    District("4801", "นครพนม", "เมืองนครพนม", ("ในเมือง", "หนองญาติ"),
             ("สุนทรวิจิตร", "นิตโย"), "โรงพยาบาลนครพนม"),
]  # fmt: skip
RIGHTS = {
    "UCS": "สิทธิหลักประกันสุขภาพแห่งชาติ",
    "SSS": "สิทธิประกันสังคม",
    "OFC": "สิทธิสวัสดิการข้าราชการ",
    "LGO": "สิทธิสวัสดิการพนักงานส่วนท้องถิ่น",
}
WELFARE = {
    "state_welfare_card": ("บัตรสวัสดิการแห่งรัฐ", "State Welfare Card"),
    "elderly_allowance": ("เบี้ยยังชีพผู้สูงอายุ", "Elderly Allowance"),
    "disability_allowance": ("เบี้ยความพิการ", "Disability Allowance"),
    "child_support_grant": ("เงินอุดหนุนเพื่อการเลี้ยงดูเด็กแรกเกิด", "Child Support Grant"),
}


# --- people ------------------------------------------------------------------------------
@dataclass
class Person:
    gender: str  # "1" / "2"
    birth: ThaiDate
    first: tuple[str, str]
    last: tuple[str, str]
    middle: tuple[str, str] = ("", "")
    relation: str = "เจ้าบ้าน"
    married_woman: bool = False
    maiden: tuple[str, str] | None = None
    record: dict[str, Any] = field(default_factory=dict)


def be(d: date) -> str:
    return ThaiDate.from_date(d).to_card()


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_birth(rng: random.Random, age: int, *, partial_ok: bool) -> ThaiDate:
    day = random_day(rng, add_years(REFERENCE, -age - 1) + timedelta(days=1),
                     add_years(REFERENCE, -age))  # fmt: skip
    full = ThaiDate.from_date(day)
    if partial_ok and day.year + BE < 2505:
        roll = rng.random()
        if roll < 0.2:
            return ThaiDate(full.be_year)  # year only: 25xx0000
        if roll < 0.3:
            return ThaiDate(full.be_year, full.month)  # month known, day not: 25xxMM00
    return full


def prefix_for(person: Person, age_at_issue: int) -> tuple[str, str]:
    if age_at_issue < 15:
        return ("ด.ช.", "Master") if person.gender == "1" else ("ด.ญ.", "Miss")
    if person.gender == "1":
        return ("นาย", "Mr.")
    return ("นาง", "Mrs.") if person.married_woman else ("นางสาว", "Miss")


def name_pair(person: Person, prefix: tuple[str, str], first: tuple[str, str],
              last: tuple[str, str]) -> tuple[str, str]:  # fmt: skip
    th = f"{prefix[0]}#{first[0]}#{person.middle[0]}#{last[0]}"
    en = f"{prefix[1]}#{first[1]}#{person.middle[1]}#{last[1]}"
    return th, en


# --- generator ---------------------------------------------------------------------------
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


# --- photos ------------------------------------------------------------------------------
SKIN = [(241, 204, 170), (224, 182, 140), (198, 152, 110), (172, 126, 88), (232, 190, 160)]
HAIR = [(25, 20, 18), (45, 32, 25), (70, 50, 35), (15, 15, 15)]
SHIRTS = [(240, 240, 240), (30, 60, 120), (120, 30, 40), (40, 100, 60), (200, 170, 60),
          (90, 90, 110), (220, 120, 50)]  # fmt: skip


def draw_face(seed: int, female: bool, age: int) -> bytes:
    rng = random.Random(seed)
    w, h = 120, 150
    bg = (rng.randint(175, 215), rng.randint(195, 230), rng.randint(225, 250))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    skin = rng.choice(SKIN)
    grey = age >= 60 and rng.random() < 0.8
    hair = (150, 150, 150) if grey else rng.choice(HAIR)
    shirt = rng.choice(SHIRTS)
    cx = w // 2 + rng.randint(-4, 4)
    face_w, face_h = rng.randint(46, 56), rng.randint(58, 68)
    top = 28 + rng.randint(-3, 3)
    # hair behind the head (long for most women)
    if female and rng.random() < 0.8:
        box = (cx - face_w // 2 - 9, top - 6, cx + face_w // 2 + 9, top + face_h + 30)
        d.rounded_rectangle(box, radius=18, fill=hair)
    # shirt and neck
    d.pieslice((cx - 60, 118, cx + 60, 210), 180, 360, fill=shirt)
    d.rectangle((cx - 10, top + face_h - 8, cx + 10, 126), fill=skin)
    if rng.random() < 0.5:  # collar
        d.polygon([(cx - 14, 120), (cx, 134), (cx + 14, 120)], fill=(250, 250, 250))
    # head, ears
    d.ellipse((cx - face_w // 2 - 5, top + 24, cx - face_w // 2 + 5, top + 40), fill=skin)
    d.ellipse((cx + face_w // 2 - 5, top + 24, cx + face_w // 2 + 5, top + 40), fill=skin)
    d.ellipse((cx - face_w // 2, top, cx + face_w // 2, top + face_h), fill=skin)
    # hair on top
    bald = not female and age > 55 and rng.random() < 0.3
    if not bald:
        box = (cx - face_w // 2 - 2, top - 8, cx + face_w // 2 + 2, top + 30)
        d.chord(box, 180, 360, fill=hair)
    # eyes, brows, nose, mouth
    eye_y = top + face_h * 0.45
    for side in (-1, 1):
        ex = cx + side * face_w * 0.2
        d.ellipse((ex - 4, eye_y - 2.5, ex + 4, eye_y + 2.5), fill=(255, 255, 255))
        d.ellipse((ex - 2, eye_y - 2, ex + 2, eye_y + 2), fill=(30, 25, 20))
        d.line((ex - 5, eye_y - 7, ex + 5, eye_y - 8 + rng.randint(0, 2)), fill=hair, width=2)
    d.line((cx, eye_y + 4, cx - 2, eye_y + 13), fill=(150, 100, 80), width=1)
    mouth_y = top + face_h * 0.74
    d.arc((cx - 9, mouth_y - 5, cx + 9, mouth_y + 4), 20, 160, fill=(150, 60, 60), width=2)
    if rng.random() < 0.15:  # glasses
        for side in (-1, 1):
            ex = cx + side * face_w * 0.2
            d.ellipse((ex - 8, eye_y - 6, ex + 8, eye_y + 6), outline=(40, 40, 40), width=1)
    for quality in range(70, 9, -5):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        if len(out.getvalue()) <= PHOTO_LIMIT:
            return out.getvalue()
    raise RuntimeError("photo does not fit the card's photo area")


# --- ordering and output -------------------------------------------------------------------
def _is_plain_active(c: dict) -> bool:
    return (c["status"]["card_state"] == "active" and c["status"]["alive"]
            and c["card"]["expiry"] != "99999999"
            and ThaiDate.parse_be(c["card"]["expiry"]).to_date() > REFERENCE)  # fmt: skip


def _card_age(c: dict) -> int:
    return age_on(ThaiDate.parse_be(c["card"]["birth"]),
                  ThaiDate.parse_be(c["card"]["issue"]).to_date())  # fmt: skip


INTERESTING: list[tuple[str, Callable[[dict], bool]]] = [
    ("demo: plain adult in Bangkok, active card", lambda c: c["cid"] == DEMO_CID),
    ("expired card", lambda c: c["status"]["alive"] and c["status"]["card_state"] == "active"
        and c["card"]["expiry"] != "99999999"
        and ThaiDate.parse_be(c["card"]["expiry"]).to_date() < REFERENCE),
    ("lifelong card (99999999)", lambda c: c["card"]["expiry"] == "99999999"
        and c["status"]["card_state"] == "active" and c["status"]["alive"]),
    ("revoked card (alive)", lambda c: c["status"]["alive"]
        and c["status"]["card_state"] == "revoked"),
    ("replaced card (a newer card exists)", lambda c: c["status"]["card_state"] == "replaced"),
    ("deceased", lambda c: not c["status"]["alive"]),
    ("year-only birth date (YYYY0000)", lambda c: c["card"]["birth"].endswith("0000")),
    ("month-only birth date (YYYYMM00)", lambda c: c["card"]["birth"].endswith("00")
        and not c["card"]["birth"].endswith("0000")),
    ("3B 67 ATR, no laser ID, still valid", lambda c: c["card"]["atr"].startswith("3B 67")
        and c["card"]["expiry"] == "99999999" and c["status"]["alive"]
        and c["status"]["card_state"] == "active"),
    ("3B 68 ATR, active", lambda c: c["card"]["atr"].startswith("3B 68") and _is_plain_active(c)),
    ("boy ด.ช., active", lambda c: c["card"]["th_name"].startswith("ด.ช.#")
        and _is_plain_active(c)),
    ("girl ด.ญ., active", lambda c: c["card"]["th_name"].startswith("ด.ญ.#")
        and _is_plain_active(c)),
    ("married woman นาง with a marriage name change", lambda c: any(
        h["reason"] == "marriage" for h in c["name_history"]) and _is_plain_active(c)),
    ("นางสาว, active", lambda c: c["card"]["th_name"].startswith("นางสาว#")
        and _is_plain_active(c)),
    ("first-name change", lambda c: any(h["reason"] == "name_change" for h in c["name_history"])),
    ("province with หมู่ที่, no soi", lambda c: c["card"]["address"].split("#")[1] != ""
        and c["card"]["address"].split("#")[2] == "" and _is_plain_active(c)),
    ("province with ซอย", lambda c: "จังหวัด" in c["card"]["address"]
        and c["card"]["address"].split("#")[2].startswith("ซอย")),
    ("Bangkok without soi or road", lambda c: c["card"]["address"].endswith("กรุงเทพมหานคร")
        and c["card"]["address"].split("#")[2] == "" and c["card"]["address"].split("#")[3] == ""),
    ("middle name (category 8)", lambda c: c["card"]["th_name"].split("#")[2] != ""),
    ("no NHSO rights on file", lambda c: c["nhso"] is None),
    ("elderly allowance", lambda c: any(
        w["program"] == "elderly_allowance" for w in c["welfare"])),
    ("social security (SSS)", lambda c: (c["nhso"] or {}).get("main_rights") == "SSS"),
]  # fmt: skip


def order_interesting(citizens: list[dict]) -> list[tuple[int, str]]:
    """Move one example of each interesting kind to the front, in INTERESTING order."""
    chosen: list[dict] = []
    for label, wanted in INTERESTING:
        match = next((c for c in citizens if c not in chosen and wanted(c)), None)
        if match is None:
            raise RuntimeError(f"dataset has no citizen for: {label}")
        chosen.append(match)
    rest = [c for c in citizens if all(c is not x for x in chosen)]
    citizens[:] = chosen + rest
    return [(i, label) for i, (label, _) in enumerate(INTERESTING)]


# --- card variety (issue #12) -------------------------------------------------------------
# Real cards differ by generation and issuing batch in ways the first dataset never showed.
# These citizens come after all the others, from their own random stream, so every earlier
# citizen (and index) stays exactly as it was.
VARIETY_HOUSEHOLDS = 9
VARIETY_SEED = SEED + 12
LONG_SOI = ("ซอยเทศบาลสามัคคีพัฒนา", "ซอยหมู่บ้านเอื้ออาทรบ้านใหม่", "ซอยประชาร่วมใจพัฒนา")
LONG_TROK = ("ตรอกวัดใหม่ยายแป้น", "ตรอกโรงเรียนวัดสุทธิวราราม")
TH_SYLLABLES = ("สุวรรณ", "ศรี", "ประเสริฐ", "วงศ์", "ทอง", "แก้ว", "กุล", "ชัย", "รัตน์", "พงศ์")
EN_SYLLABLES = ("suwan", "si", "prasoet", "wong", "thong", "kaeo", "kun", "chai", "rat")
VERSIONS_BINARY = ("00030000", "00020000")
PADDINGS = ("00", "ff", "20")  # hex of the pad byte; "20" = space, like every older card


def long_address(rng: random.Random, place: District) -> str:
    """An address of 101-160 TIS-620 bytes: trok and soi, road, all three place slots
    (a reader that reads only 100 bytes truncates it)."""
    house = f"{rng.randint(1, 999)}/{rng.randint(1, 999)}"
    moo = "" if place.bangkok else f"หมู่ที่ {rng.randint(1, 20)}"
    lane = f"{rng.choice(LONG_TROK)} {rng.choice(LONG_SOI)} {rng.randint(1, 99)}"
    road = f"ถนน{rng.choice(place.roads)}"
    sub = rng.choice(place.subdistricts)
    if place.bangkok:
        tail = f"แขวง{sub}#เขต{place.district}#กรุงเทพมหานคร"
    else:
        tail = f"ตำบล{sub}#อำเภอ{place.district}#จังหวัด{place.province}"
    for candidate in (f"{house}#{moo}#{lane}#{road}##{tail}",
                      f"{house}#{moo}#{lane.split(' ', 1)[1]}#{road}##{tail}",
                      f"{house}#{moo}#{rng.choice(LONG_SOI)}#{road}##{tail}"):  # fmt: skip
        size = len(candidate.encode("tis_620"))
        if 100 < size <= 160:
            return candidate
    raise RuntimeError("no long address of 101-160 bytes for this place")


def fill_name(name: str, syllables: tuple[str, ...], encoding: str, rng: random.Random) -> str:
    """``name`` with its surname lengthened so the ``#`` form is exactly 100 bytes."""
    parts = name.split("#")
    while True:
        room = 100 - len("#".join(parts).encode(encoding))
        fits = [s for s in syllables if len(s.encode(encoding)) <= room]
        if not fits:
            break
        parts[3] += rng.choice(fits)
    parts[3] += parts[3][-1] * (100 - len("#".join(parts).encode(encoding)))
    filled = "#".join(parts)
    assert len(filled.encode(encoding)) == 100, filled
    return filled


def add_card_variety(gen: Generator) -> None:
    """Households with long addresses whose cards show the variety of real ones: binary
    version bytes, 0x00- and 0xFF-padded fields, names at the 100-byte limit."""
    gen.rng = rng = random.Random(VARIETY_SEED)
    first_new = len(gen.citizens)
    for h in range(VARIETY_HOUSEHOLDS):
        place = DISTRICTS[h % len(DISTRICTS)]
        address = long_address(rng, place)
        house_id = gen.new_house_id(place.office)
        members = []
        for person in gen.household_people(3):
            citizen = gen.citizen(person, place, address, house_id)
            gen.citizens.append(citizen)
            members.append({"cid": citizen["cid"], "relation": person.relation})
        gen.households.append({"house_id": house_id, "address": address,
                               "head": members[0]["cid"], "members": members})  # fmt: skip
    for n, citizen in enumerate(gen.citizens[first_new:]):
        card = citizen["card"]
        card["padding"] = PADDINGS[n % len(PADDINGS)]
        if n % 2 == 0:
            card["version_bytes"] = VERSIONS_BINARY[(n // 2) % len(VERSIONS_BINARY)]
        if n % 3 == 1 and not citizen["name_history"]:
            card["th_name"] = fill_name(card["th_name"], TH_SYLLABLES, "tis_620", rng)
            card["en_name"] = fill_name(card["en_name"], EN_SYLLABLES, "ascii", rng)


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
