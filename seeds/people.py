"""A person of the synthetic population, before their card is drawn, and the small
date and name helpers the generator draws them with."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kiosk.domain.thai_date import ThaiDate
from seeds.pools import BE, REFERENCE


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
