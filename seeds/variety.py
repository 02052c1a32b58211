"""Card variety (issue #12): households whose cards show how real ones differ by
generation and issuing batch - binary version bytes, 0x00- and 0xFF-padded fields, names
at the 100-byte limit, addresses over 100 bytes."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from seeds.pools import DISTRICTS, SEED, District

if TYPE_CHECKING:
    from seeds.generate import Generator


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
