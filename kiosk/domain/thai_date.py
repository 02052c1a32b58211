"""Buddhist-era dates as the card stores them (``YYYYMMDD``, BE = Gregorian + 543).

The card allows partial dates: month and day are ``00`` when only the birth year (or year
and month) is known, and the expiry ``99999999`` means a lifelong card. Readers that push
these through ``datetime`` crash (a common complaint), so :class:`ThaiDate` keeps the
partial parts as ``None`` and only ``to_date()`` turns a *complete* date into ``date``.

Age and expiry with partial dates (decided here, used everywhere):

* :func:`age_on` is *conservative*: it never overstates an age. An unknown day counts as the
  last day of the known month, an unknown month as 31 December, i.e. the latest birthday
  that fits. An age gate ("at least 60") therefore never admits someone who may be younger.
* :func:`statutory_age_on` follows the Civil and Commercial Code s.16 instead (unknown day:
  the 1st of the month; unknown month and day: 1 January of the year) for places where
  the legal age, not a safe lower bound, is wanted.
* :func:`is_expired` is conservative the other way: a partial expiry date counts from the
  *first* day it could mean, so a card that may be expired is treated as expired. A card
  is valid through its expiry day. Lifelong cards never expire.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kiosk.domain.errors import InvalidThaiDate

BE_OFFSET = 543
MIN_BE_YEAR = 2400  # 1857: older than any living person's or card's date
MAX_BE_YEAR = 2799
LIFELONG_TEXT = "99999999"
_EIGHT_DIGITS = re.compile(r"[0-9]{8}")

_MONTHS_TH = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
_MONTHS_EN = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


@dataclass(frozen=True)
class ThaiDate:
    be_year: int | None
    month: int | None = None
    day: int | None = None
    lifelong: bool = False

    def __post_init__(self) -> None:
        if self.lifelong:
            if (self.be_year, self.month, self.day) != (None, None, None):
                raise InvalidThaiDate("a lifelong date has no year, month or day")
            return
        year, month, day = self.be_year, self.month, self.day
        if year is None or not MIN_BE_YEAR <= year <= MAX_BE_YEAR:
            raise InvalidThaiDate(
                f"the Buddhist-era year must be {MIN_BE_YEAR}-{MAX_BE_YEAR}",
                reason="thai_date.year",
            )
        if month is None:
            if day is not None:
                raise InvalidThaiDate("a day without a month", reason="thai_date.day")
            return
        if not 1 <= month <= 12:
            raise InvalidThaiDate("month must be 01-12 (or 00)", reason="thai_date.month")
        if day is not None:
            last = calendar.monthrange(year - BE_OFFSET, month)[1]
            if not 1 <= day <= last:
                raise InvalidThaiDate("no such day in that month", reason="thai_date.day")

    # --- construction -------------------------------------------------------------------
    @classmethod
    def parse_be(cls, text: str) -> ThaiDate:
        """Parse the card form ``YYYYMMDD`` (BE); ``00`` month/day = unknown."""
        if not isinstance(text, str):
            raise InvalidThaiDate("a date must be text")
        text = text.strip()
        if not _EIGHT_DIGITS.fullmatch(text):
            raise InvalidThaiDate("a card date has exactly 8 digits", reason="thai_date.format")
        if text == LIFELONG_TEXT:
            return LIFELONG
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
        return cls(year, month or None, day or None)

    @classmethod
    def from_date(cls, value: date) -> ThaiDate:
        return cls(value.year + BE_OFFSET, value.month, value.day)

    # --- views --------------------------------------------------------------------------
    def to_card(self) -> str:
        if self.lifelong:
            return LIFELONG_TEXT
        return f"{self.be_year:04d}{self.month or 0:02d}{self.day or 0:02d}"

    @property
    def is_complete(self) -> bool:
        return not self.lifelong and self.month is not None and self.day is not None

    @property
    def gregorian_year(self) -> int | None:
        return None if self.be_year is None else self.be_year - BE_OFFSET

    def to_date(self) -> date | None:
        """The calendar date, or None when the date is partial or lifelong."""
        if not self.is_complete:
            return None
        assert self.be_year is not None and self.month is not None and self.day is not None
        return date(self.be_year - BE_OFFSET, self.month, self.day)

    def earliest(self) -> date | None:
        """First calendar day this (possibly partial) date can mean; None if lifelong."""
        if self.lifelong or self.be_year is None:
            return None
        return date(self.be_year - BE_OFFSET, self.month or 1, self.day or 1)

    def latest(self) -> date | None:
        """Last calendar day this (possibly partial) date can mean; None if lifelong."""
        if self.lifelong or self.be_year is None:
            return None
        year = self.be_year - BE_OFFSET
        month = self.month or 12
        return date(year, month, self.day or calendar.monthrange(year, month)[1])

    def display(self, language: Literal["th", "en"] = "th") -> str:
        """``12 มี.ค. 2530`` / ``12 Mar 1987``; partial dates show only what is known."""
        if self.lifelong:
            return "ตลอดชีพ" if language == "th" else "Lifelong"
        assert self.be_year is not None
        year = self.be_year if language == "th" else self.be_year - BE_OFFSET
        months = _MONTHS_TH if language == "th" else _MONTHS_EN
        parts = [str(year)]
        if self.month is not None:
            parts.insert(0, months[self.month - 1])
        if self.day is not None:
            parts.insert(0, str(self.day))
        return " ".join(parts)


LIFELONG = ThaiDate(None, None, None, lifelong=True)


def _years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _check_birth(birth: ThaiDate) -> None:
    if birth.lifelong:
        raise InvalidThaiDate("a birth date cannot be lifelong", reason="thai_date.birth")


def age_on(birth: ThaiDate, on: date) -> int:
    """Completed years on ``on``; partial birth dates give the *lowest* possible age."""
    _check_birth(birth)
    latest = birth.latest()
    earliest = birth.earliest()
    assert latest is not None and earliest is not None
    if on < earliest:
        raise InvalidThaiDate("the birth date is after the given day", reason="thai_date.birth")
    # Still inside the partial birth period: the person may be a newborn.
    return _years_between(latest, on) if on >= latest else 0


def statutory_age_on(birth: ThaiDate, on: date) -> int:
    """Completed years counted as the Civil and Commercial Code s.16 prescribes."""
    _check_birth(birth)
    earliest = birth.earliest()
    assert earliest is not None
    if on < earliest:
        raise InvalidThaiDate("the birth date is after the given day", reason="thai_date.birth")
    return _years_between(earliest, on)


def is_expired(expiry: ThaiDate, on: date) -> bool:
    """True once ``on`` is after the expiry day; lifelong cards never expire."""
    if expiry.lifelong:
        return False
    earliest = expiry.earliest()
    assert earliest is not None
    return on > earliest
