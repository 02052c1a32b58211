"""Hypothesis: whole Thai ID card images, built field by field from the public layout.

An independent oracle. Everything here is written from the field table in
/work/shared/reference/thai-id-card.md - offsets, lengths, the ``#``-separated shapes, the
Buddhist-era dates, the check digit - and imports nothing from the kiosk, the driver or the
virtual card's image code. Each generated card carries the values that went into it
(:class:`GeneratedCard`), and the tests assert the reader returns exactly those.

What varies, across what the layout allows and real card generations show:
the version bytes (ASCII ``0003``, binary ``00 03 00 00``, anything), the padding of every
field (0x20, 0x00, 0xFF, or a text ending early with one and padded with another), names
up to 100 bytes with and without middle names and titles, dates with ``00`` day or
``0000`` month-and-day and the lifelong expiry ``99999999``, addresses from 0 to 160 bytes
with every ``#`` slot empty or full (Bangkok แขวง/เขต or ตำบล/อำเภอ, trok and/or soi),
photos that are real JPEGs of 1 500-5 100 bytes followed by 0x00/0x20/0xFF filler
(:mod:`simulators.vcard.photos`: libjpeg through Pillow, sized by a COM segment - the JPEG
standard, not the kiosk's photo check), the unused areas (issuer, issuer code, the filler
after the photo, the number under the photo) as arbitrary bytes, and both ATR families
(``3B 67``: GET RESPONSE P2=01; others P2=00; SELECT answering ``61 xx`` or ``90 00``).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from simulators.vcard.photos import FILLERS, jpeg_of_length, photo_area

# The reference's table: name -> (offset, length). Address read as 160 bytes.
LAYOUT = {
    "version": (0, 4), "cid": (4, 13), "th_name": (17, 100), "en_name": (117, 100),
    "birth": (217, 8), "gender": (225, 1), "request_no": (226, 20), "issuer": (246, 100),
    "issuer_code": (346, 13), "issue": (359, 8), "expiry": (367, 8),
    "address": (5497, 160), "photo_ref": (5657, 14),
}  # fmt: skip
PHOTO_OFFSET, PHOTO_SIZE = 379, 5100
FILE_SIZE = 5657 + 14
PADS = (b" ", b"\x00", b"\xff")
BE = 543
# Both ATR families (the virtual card's variant names: nid17 3B 79 / 3b68 3B 68 answer
# GET RESPONSE with P2=00, 3b67 3B 67 needs P2=01; 3b68 answers SELECT with 90 00).
ATR_FAMILIES = ("nid17", "3b67", "3b68")


@dataclass(frozen=True)
class GeneratedCard:
    image: bytes
    atr_variant: str
    cid: str
    th_name: tuple[str, str, str, str]
    en_name: tuple[str, str, str, str]
    birth: str
    gender: str
    request_no: str
    issue: str
    expiry: str
    address: str
    """The 8-slot form that went in ("" when the card holds no address at all)."""
    raw: dict[str, bytes]
    """The exact bytes of every field as stored (for the unused fields)."""
    photo: bytes


def _check_digit(first12: str) -> str:
    # The reference: weights 13 down to 2, check = (11 - sum mod 11) mod 10.
    return str((11 - sum(int(d) * (13 - i) for i, d in enumerate(first12)) % 11) % 10)


citizen_ids = st.builds(
    lambda cat, rest: cat + rest + _check_digit(cat + rest),
    st.sampled_from("12345678"),
    st.text("0123456789", min_size=11, max_size=11),
)

_THAI_LETTERS = "".join(chr(c) for c in range(0x0E01, 0x0E2F))  # ก..ฮ
_THAI_VOWELS = "ะาำเแโใไ" + "ิีึืุู" + "่้๊๋็์"
_thai_word = st.text(_THAI_LETTERS + _THAI_VOWELS, min_size=1, max_size=14).filter(
    lambda w: w[0] in _THAI_LETTERS and "ซอย" not in w and "ตรอก" not in w
)
_long_word = st.text(_THAI_LETTERS, min_size=8, max_size=14).filter(
    lambda w: "ซอย" not in w and "ตรอก" not in w
)
_en_word = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-'", min_size=1,
                   max_size=16).filter(lambda w: w[0].isalpha())  # fmt: skip


def _words(word: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    return st.lists(word, min_size=1, max_size=most).map(" ".join)


def _name(word: st.SearchStrategy[str], titles: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    """``prefix#first#middle#last``: title optional, middle name optional."""
    part = _words(word, 2)
    return st.tuples(
        st.sampled_from(["", *titles]), part, st.one_of(st.just(""), part),
        st.one_of(st.just(""), part),
    )


th_names = _name(_thai_word, ["นาย", "นาง", "นางสาว", "ด.ช.", "ด.ญ.", "พ.ต.อ."])
en_names = _name(_en_word, ["Mr.", "Mrs.", "Miss", "Master", "Pol.Col."])


def _to_card_name(parts: tuple[str, ...]) -> str:
    return "#".join(parts)


def _be(day: dt.date) -> str:
    return f"{day.year + BE:04d}{day.month:02d}{day.day:02d}"


@st.composite
def _dates(draw: st.DrawFn) -> tuple[str, str, str]:
    """(birth, issue, expiry) as the card writes them, in an order a real card can have."""
    issue = draw(st.dates(dt.date(1985, 1, 1), dt.date(2026, 11, 25)))
    birth = draw(st.dates(dt.date(1890, 1, 1), issue))
    precision = draw(st.sampled_from(["day", "month", "year"]))
    birth_text = _be(birth)
    if precision == "month":
        birth_text = birth_text[:6] + "00"
    elif precision == "year":
        birth_text = birth_text[:4] + "0000"
    if draw(st.booleans()):
        expiry_text = "99999999"
    else:
        years = draw(st.integers(0, 12))
        expiry = issue.replace(year=issue.year + years, day=min(issue.day, 28))
        expiry_text = _be(max(expiry, issue))
    return birth_text, _be(issue), expiry_text


_place = _words(_thai_word.map(lambda w: w[:9]), 2)
_house = st.from_regex(r"[1-9][0-9]{0,3}(/[1-9][0-9]{0,2})?", fullmatch=True)


@st.composite
def _addresses(draw: st.DrawFn) -> str:
    """``house#moo#trok/soi#road#(unused)#tambon#amphur#province``, any slot empty."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["", "#######"]))  # no address at all
    bangkok = draw(st.booleans())
    # Long addresses (over 100 bytes: readers that read only 100 bytes truncate them).
    long = draw(st.booleans())
    place = _words(_long_word, 3) if long else _place

    def maybe(value: st.SearchStrategy[str]) -> str:
        return draw(value if long else st.one_of(st.just(""), value))

    lane = draw(st.sampled_from(["both"] if long else ["", "trok", "soi", "both"]))
    trok = "ตรอก" + draw(place) if lane in ("trok", "both") else ""
    soi = "ซอย" + draw(st.one_of(place, st.from_regex(r"[1-9][0-9]?", fullmatch=True)))
    lane_text = " ".join(p for p in (trok, soi if lane in ("soi", "both") else "") if p)
    slots = [
        maybe(_house),
        "" if bangkok else maybe(st.integers(1, 30).map(lambda n: f"หมู่ที่ {n}")),
        lane_text,
        maybe(place.map(lambda p: "ถนน" + p)),
        "",  # the unused slot
        maybe(place.map(lambda p: ("แขวง" if bangkok else "ตำบล") + p)),
        maybe(place.map(lambda p: ("เขต" if bangkok else "อำเภอ") + p)),
        "กรุงเทพมหานคร" if bangkok else maybe(place.map(lambda p: "จังหวัด" + p)),
    ]
    while len(_tis620("#".join(slots))) > 160:  # the field holds 160: shorten the longest
        longest = max(range(len(slots)), key=lambda i: len(slots[i]))
        slots[longest] = slots[longest][:-1].rstrip()
    return "#".join(slots)


@st.composite
def _photos(draw: st.DrawFn) -> bytes:
    """A real JPEG of 1 500 to 5 100 bytes (libjpeg-encoded, exact length through a COM
    segment) and filler 0x00, 0x20 or 0xFF (a reader that strips trailing 0x20 or 0xFF
    cuts a JPEG whose last entropy bytes are such). The JPEG comes from a drawn seed:
    kilobytes of drawn bytes overrun Hypothesis."""
    jpeg = jpeg_of_length(draw(st.integers(1500, PHOTO_SIZE)), draw(st.integers(0, 2**32)))
    return photo_area(jpeg, draw(st.sampled_from(FILLERS)))


def _fill_to(parts: tuple[str, ...], limit: int, letter: str, encode: Any) -> tuple[str, ...]:
    """Lengthen the last non-empty part so the whole ``#`` form is exactly ``limit`` bytes."""
    spare = limit - len(encode("#".join(parts)))
    index = max(i for i, p in enumerate(parts) if p)
    return tuple(p + letter * spare if i == index else p for i, p in enumerate(parts))


@st.composite
def _padded(draw: st.DrawFn, data: bytes, length: int) -> bytes:
    """``data`` in a ``length``-byte field: padded with 0x20/0x00/0xFF, perhaps ending
    early with one of them and then padded with another."""
    assert len(data) <= length, (len(data), length)
    if len(data) == length:
        return data
    ender = draw(st.sampled_from([b"", *PADS]))
    fill = draw(st.sampled_from(PADS))
    return (data + ender).ljust(length, fill)[:length]


def _tis620(text: str) -> bytes:
    return text.encode("tis_620")


@st.composite
def cards(draw: st.DrawFn) -> GeneratedCard:
    cid = draw(citizen_ids)
    th = draw(th_names.filter(lambda n: len(_tis620(_to_card_name(n))) <= 100))
    en = draw(en_names.filter(lambda n: len(_to_card_name(n).encode("ascii")) <= 100))
    if draw(st.booleans()):  # names at the 100-byte limit
        th = _fill_to(th, 100, "ก", _tis620)
        en = _fill_to(en, 100, "a", str.encode)
    birth, issue, expiry = draw(_dates())
    address = draw(_addresses())
    gender = draw(st.sampled_from("12"))
    request_no = draw(st.text("0123456789", min_size=0, max_size=20))
    photo = draw(_photos())
    version = draw(st.one_of(
        st.sampled_from([b"0003", b"\x00\x03\x00\x00", b"0002", b"\x00\x02\x00\x00"]),
        st.binary(min_size=4, max_size=4),
    ))  # fmt: skip
    text_or_bytes = st.one_of(st.binary(max_size=100), _place.map(_tis620))
    raw_unused = {
        "version": version,
        "issuer": draw(text_or_bytes),
        "issuer_code": draw(st.binary(max_size=13)),
        "photo_ref": draw(st.binary(max_size=14)),
    }
    values = {
        "cid": cid.encode(), "th_name": _tis620(_to_card_name(th)),
        "en_name": _to_card_name(en).encode(), "birth": birth.encode(),
        "gender": gender.encode(), "request_no": request_no.encode(),
        "issue": issue.encode(), "expiry": expiry.encode(), "address": _tis620(address),
        **raw_unused,
    }  # fmt: skip
    # Whatever the card holds outside the fields (filler after the photo): random bytes.
    image = bytearray(random.Random(draw(st.integers(0, 2**32))).randbytes(FILE_SIZE))
    raw: dict[str, bytes] = {}
    for name, (offset, length) in LAYOUT.items():
        field = draw(_padded(values[name], length))
        image[offset : offset + length] = field
        raw[name] = field
    image[PHOTO_OFFSET : PHOTO_OFFSET + PHOTO_SIZE] = photo
    return GeneratedCard(
        image=bytes(image), atr_variant=draw(st.sampled_from(ATR_FAMILIES)), cid=cid,
        th_name=th, en_name=en, birth=birth, gender=gender, request_no=request_no,
        issue=issue, expiry=expiry, address=address, raw=raw, photo=photo,
    )  # fmt: skip


def assert_reads_back(card: GeneratedCard, ident: Any) -> None:
    """The identity the reader returned holds exactly what went into ``card`` (typed
    loosely: this module imports nothing from the kiosk)."""
    assert ident.citizen_id.digits == card.cid
    for got, want in ((ident.name_th, card.th_name), (ident.name_en, card.en_name)):
        assert (got.prefix, got.first, got.middle, got.last) == want
    assert ident.birth_date.to_card() == card.birth
    assert ident.issue_date.to_card() == card.issue
    assert ident.expiry_date.to_card() == card.expiry
    assert ident.gender.value == card.gender
    assert ident.request_no == card.request_no
    if card.address.strip("#"):
        assert ident.address.to_card() == card.address
    else:
        assert ident.address.is_empty
    assert ident.card_version.raw == card.raw["version"]
    assert ident.issuer.raw == card.raw["issuer"]
    assert ident.issuer_code.raw == card.raw["issuer_code"]
    assert ident.photo_ref.raw == card.raw["photo_ref"]
