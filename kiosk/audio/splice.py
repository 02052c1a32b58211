"""Numbers, digits, codes, dates and times spliced from per-word clips, as talking ATMs do.

Pure functions from a value to clip ids. The clip sets (their texts per locale) are in
`SPLICE_TEXTS`; `kiosk.audio.inventory` puts them in the pack.

- digits ``digit.0``..``digit.9`` (also the numbers 0-9);
- English ``num.10``..``num.19``, ``num.20``..``num.90``, ``num.100``, ``num.1000``, ``num.oh``;
- Thai ``num.10`` (สิบ), ``num.yi`` (ยี่), ``num.ed`` (เอ็ด), ``num.100``, ``num.1000``,
  ``num.10000``;
- Latin letters ``letter.A``..``letter.Z`` (ticket and reference prefixes);
- months ``month.1``..``month.12``; ``time.hour`` / ``time.minute`` (Thai นาฬิกา / นาที).
"""

from __future__ import annotations

import re
import string

from kiosk.audio.utterance import Clip, Item, Pause
from kiosk.domain.thai_date import _MONTHS_EN, _MONTHS_TH, BE_OFFSET
from kiosk.session.view import LanguageCode

_DIGITS_TH = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS_EN = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen")
_TENS_EN = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
            "ninety")
_MONTH_NAMES_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
                   "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
_MONTH_NAMES_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December")
_LETTERS_TH = ("เอ", "บี", "ซี", "ดี", "อี", "เอฟ", "จี", "เอช", "ไอ", "เจ", "เค", "แอล",
               "เอ็ม", "เอ็น", "โอ", "พี", "คิว", "อาร์", "เอส", "ที", "ยู", "วี", "ดับเบิลยู",
               "เอ็กซ์", "วาย", "แซด")


def _texts() -> dict[LanguageCode, dict[str, str]]:
    th: dict[str, str] = {f"digit.{d}": w for d, w in enumerate(_DIGITS_TH)}
    en: dict[str, str] = {f"digit.{d}": w for d, w in enumerate(_DIGITS_EN)}
    th.update({"num.10": "สิบ", "num.yi": "ยี่", "num.ed": "เอ็ด", "num.100": "ร้อย",
               "num.1000": "พัน", "num.10000": "หมื่น", "time.hour": "นาฬิกา",
               "time.minute": "นาที"})
    en.update({f"num.{10 + i}": w for i, w in enumerate(_TEENS_EN)})
    en.update({f"num.{t * 10}": _TENS_EN[t] for t in range(2, 10)})
    en.update({"num.100": "hundred", "num.1000": "thousand", "num.oh": "oh",
               "time.hour": "hours", "time.minute": "minutes"})
    for m in range(12):
        th[f"month.{m + 1}"] = _MONTH_NAMES_TH[m]
        en[f"month.{m + 1}"] = _MONTH_NAMES_EN[m]
    for i, letter in enumerate(string.ascii_uppercase):
        th[f"letter.{letter}"] = _LETTERS_TH[i]
        en[f"letter.{letter}"] = letter
    return {"th": th, "en": en}


SPLICE_TEXTS: dict[LanguageCode, dict[str, str]] = _texts()


def _p(keys: list[str], personal: bool) -> tuple[Item, ...]:
    return tuple(Clip(k, personal) for k in keys)


def _number_th(n: int) -> list[str]:
    if n < 10:
        return [f"digit.{n}"]
    out: list[str] = []
    for value, key in ((10000, "num.10000"), (1000, "num.1000"), (100, "num.100")):
        if n >= value:
            out += _number_th(n // value)[:1] if n // value < 10 else _number_th(n // value)
            out.append(key)
            n %= value
    tens, ones = divmod(n, 10)
    if tens == 2:
        out += ["num.yi", "num.10"]
    elif tens == 1:
        out.append("num.10")
    elif tens:
        out += [f"digit.{tens}", "num.10"]
    if ones == 1 and (tens or out):
        out.append("num.ed")
    elif ones:
        out.append(f"digit.{ones}")
    return out


def _under_100_en(n: int) -> list[str]:
    if n < 10:
        return [f"digit.{n}"]
    if n < 20:
        return [f"num.{n}"]
    tens, ones = divmod(n, 10)
    return [f"num.{tens * 10}"] + ([f"digit.{ones}"] if ones else [])


def _number_en(n: int) -> list[str]:
    out: list[str] = []
    if n >= 1000:
        out += [*_number_en(n // 1000), "num.1000"]
        n %= 1000
        if n == 0:
            return out
    if n >= 100:
        out += [f"digit.{n // 100}", "num.100"]
        n %= 100
        if n == 0:
            return out
    return out + _under_100_en(n)


def number(n: int, language: LanguageCode, *, personal: bool = False) -> tuple[Item, ...]:
    """A whole number 0..99999 as words ("two thousand five hundred", "สองพันห้าร้อย")."""
    if not 0 <= n < 100000:
        raise ValueError(f"cannot splice {n}")
    return _p(_number_th(n) if language == "th" else _number_en(n), personal)


def year(y: int, language: LanguageCode, *, personal: bool = False) -> tuple[Item, ...]:
    """Thai years as a whole number (พ.ศ. 2530); English years the English way (1987 as
    "nineteen eighty seven", 1905 as "nineteen oh five", 2005 and 2026 as "two thousand …")."""
    if language == "th" or not 1100 <= y <= 9999 or (y // 100) % 10 == 0:
        return number(y, language, personal=personal)
    hi, lo = divmod(y, 100)
    tail = (_under_100_en(lo) if lo >= 10 else ["num.oh", f"digit.{lo}"]) if lo else ["num.100"]
    return _p(_under_100_en(hi) + tail, personal)


def code(text: str, *, personal: bool = False) -> tuple[Item, ...]:
    """An ID, reference or ticket character by character; ``-`` and spaces become a short
    pause (the ID's digit groups), ``x`` or ``*`` (a masked digit) the ``speech.masked`` clip;
    capital letters (``X`` too) are letters."""
    out: list[Item] = []
    for ch in text:
        if ch.isdigit():
            out.append(Clip(f"digit.{ch}", personal))
        elif ch in "x*":
            out.append(Clip("speech.masked", personal))
        elif ch.isascii() and ch.isalpha():
            out.append(Clip(f"letter.{ch.upper()}", personal))
        elif ch in "- /" and out and not isinstance(out[-1], Pause):
            out.append(Pause(250, personal))
    while out and isinstance(out[-1], Pause):
        out.pop()
    return tuple(out)


def date(day: int | None, month: int | None, be_year: int, language: LanguageCode, *,
         personal: bool = False) -> tuple[Item, ...]:
    """A date the Thai way: day, month name, Buddhist-era year (วันที่ 12 มีนาคม 2530); in
    English the Gregorian year (12 March 1987), as the screen shows it."""
    out: list[Item] = []
    if day is not None:
        out += number(day, language, personal=personal)
    if month is not None:
        out.append(Clip(f"month.{month}", personal))
    y = be_year if language == "th" else be_year - BE_OFFSET
    return tuple(out) + year(y, language, personal=personal)


def clock(hour: int, minute: int, language: LanguageCode, *,
          personal: bool = False) -> tuple[Item, ...]:
    """14:05 as "สิบสี่นาฬิกา ห้านาที" / "fourteen oh five"."""
    if language == "th":
        out = (*number(hour, "th", personal=personal), Clip("time.hour", personal))
        if minute:
            out += (*number(minute, "th", personal=personal), Clip("time.minute", personal))
        return out
    tail = (number(minute, "en", personal=personal) if minute >= 10
            else (Clip("num.oh", personal), *number(minute, "en", personal=personal))
            if minute else (Clip("time.hour", personal),))
    return number(hour, "en", personal=personal) + tail


_MONTH_INDEX = {name: i + 1 for names in (_MONTHS_TH, _MONTHS_EN, _MONTH_NAMES_TH,
                                          _MONTH_NAMES_EN) for i, name in enumerate(names)}
_DATE = re.compile(r"^(?:(\d{1,2}) )?(?:(\S+) )?(\d{4})$")
_SLASH = re.compile(r"^(\d{2})/(\d{2})/(\d{4})(?: (\d{2}):(\d{2})(?: น\.)?)?$")
_CODE = re.compile(r"^(?=.*\d)[0-9A-Za-z\- /x]{1,32}$")


def value(text: str, language: LanguageCode, *, personal: bool = True
          ) -> tuple[Item, ...] | None:
    """A displayed value the clip sets can say (a date as the screen shows it, a date and
    time, an ID, a code, a number), or None (free text)."""
    text = text.strip()
    m = _DATE.match(text)
    if m and (m.group(2) is None or m.group(2) in _MONTH_INDEX):
        y = int(m.group(3))
        be = y if language == "th" else y + BE_OFFSET
        month = _MONTH_INDEX[m.group(2)] if m.group(2) else None
        return date(int(m.group(1)) if m.group(1) else None, month, be, language,
                    personal=personal)
    m = _SLASH.match(text)
    if m:
        y = int(m.group(3))
        be = y if language == "th" else y + BE_OFFSET
        out = date(int(m.group(1)), int(m.group(2)), be, language, personal=personal)
        if m.group(4):
            out += clock(int(m.group(4)), int(m.group(5)), language, personal=personal)
        return out
    if text.isdigit() and len(text) <= 4 and not text.startswith("0"):
        return number(int(text), language, personal=personal)
    if _CODE.match(text):
        return code(text, personal=personal)
    return None
