from __future__ import annotations

from datetime import date, timedelta

import pytest
from domain_strategies import be_years, complete_dates, thai_dates
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import DomainError, InvalidThaiDate, ThaiDate, age_on, is_expired
from kiosk.domain.thai_date import LIFELONG, statutory_age_on


def test_complete_date() -> None:
    d = ThaiDate.parse_be("25300312")
    assert (d.be_year, d.month, d.day, d.lifelong) == (2530, 3, 12, False)
    assert d.gregorian_year == 1987
    assert d.to_date() == date(1987, 3, 12)
    assert d.to_card() == "25300312"
    assert d.display("th") == "12 มี.ค. 2530"
    assert d.display("en") == "12 Mar 1987"


def test_lifelong() -> None:
    d = ThaiDate.parse_be("99999999")
    assert d.lifelong and d is LIFELONG
    assert d.to_date() is None and d.gregorian_year is None
    assert d.to_card() == "99999999"
    assert d.display("th") == "ตลอดชีพ"
    assert d.display("en") == "Lifelong"


def test_year_only() -> None:
    d = ThaiDate.parse_be("25300000")
    assert (d.be_year, d.month, d.day) == (2530, None, None)
    assert d.to_date() is None
    assert d.gregorian_year == 1987
    assert d.display("th") == "2530"
    assert d.display("en") == "1987"
    assert d.to_card() == "25300000"


def test_year_and_month_only() -> None:
    d = ThaiDate.parse_be("25300300")
    assert (d.be_year, d.month, d.day) == (2530, 3, None)
    assert d.display("th") == "มี.ค. 2530"
    assert d.display("en") == "Mar 1987"
    assert d.to_date() is None


@pytest.mark.parametrize(
    "text",
    [
        "25300230",  # 30 February
        "25420229",  # 1999 is not a leap year
        "25300012",  # a day without a month
        "25301301",  # month 13
        "25300132",
        "00000000",  # no year at all
        "99990101",  # far outside any card's range
        "2530031",
        "253003121",
        "2530-03-12",
        "abcdefgh",
        "๒๕๓๐๐๓๑๒",  # Thai digits are not card data
        "",
        "99999998",
    ],
)
def test_rejects(text: str) -> None:
    with pytest.raises(InvalidThaiDate):
        ThaiDate.parse_be(text)


def test_leap_day() -> None:
    assert ThaiDate.parse_be("25430229").to_date() == date(2000, 2, 29)


def test_padding_is_tolerated() -> None:
    assert ThaiDate.parse_be(" 25300312 ") == ThaiDate(2530, 3, 12)


def test_direct_construction_is_validated() -> None:
    with pytest.raises(InvalidThaiDate):
        ThaiDate(2530, None, 5)
    with pytest.raises(InvalidThaiDate):
        ThaiDate(2530, 3, 12, lifelong=True)


@given(thai_dates)
def test_round_trip(d: ThaiDate) -> None:
    assert ThaiDate.parse_be(d.to_card()) == d


@given(st.text(max_size=12))
def test_garbage_raises_only_domain_errors(text: str) -> None:
    try:
        parsed = ThaiDate.parse_be(text)
    except DomainError:
        return
    assert parsed.to_card() == text.strip()


@given(st.text("0123456789", min_size=8, max_size=8))
def test_any_eight_digits_parse_or_raise_domain_error(text: str) -> None:
    try:
        d = ThaiDate.parse_be(text)
    except DomainError:
        return
    assert d.to_card() == text


# --- age -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("25300312", date(2026, 3, 11), 38),  # the day before the birthday
        ("25300312", date(2026, 3, 12), 39),  # on the birthday
        ("25430229", date(2027, 2, 28), 26),  # 29 Feb: birthday not yet in a common year
        ("25430229", date(2027, 3, 1), 27),
        # Year only: conservative = born 31 Dec, so the age is only reached at year end.
        ("25300000", date(2026, 12, 30), 38),
        ("25300000", date(2026, 12, 31), 39),
        # Month only: born on the month's last day at the latest.
        ("25300300", date(2026, 3, 30), 38),
        ("25300300", date(2026, 3, 31), 39),
        ("25690000", date(2026, 6, 1), 0),  # may not be born yet in this year: age 0
    ],
)
def test_age_on(birth: str, on: date, age: int) -> None:
    assert age_on(ThaiDate.parse_be(birth), on) == age


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        ("25300000", date(2026, 1, 1), 39),  # CCC s.16: from 1 January of the year
        ("25300300", date(2026, 3, 1), 39),  # from the 1st of the month
        ("25300312", date(2026, 3, 11), 38),
    ],
)
def test_statutory_age_on(birth: str, on: date, age: int) -> None:
    assert statutory_age_on(ThaiDate.parse_be(birth), on) == age


def test_age_rejects_lifelong_and_future_birth() -> None:
    with pytest.raises(InvalidThaiDate):
        age_on(LIFELONG, date(2026, 1, 1))
    with pytest.raises(InvalidThaiDate):
        age_on(ThaiDate(2570, 1, 1), date(2026, 1, 1))


def _day_after(birth: ThaiDate, days: int) -> date:
    earliest = birth.earliest()
    assert earliest is not None
    return earliest + timedelta(days=days)


@given(st.one_of(complete_dates, be_years.map(ThaiDate)), st.integers(0, 60_000))
def test_conservative_age_never_exceeds_statutory(birth: ThaiDate, days: int) -> None:
    on = _day_after(birth, days)
    assert 0 <= age_on(birth, on) <= statutory_age_on(birth, on)
    if birth.is_complete:
        assert age_on(birth, on) == statutory_age_on(birth, on)
    else:  # never off by more than the unknown part allows
        assert statutory_age_on(birth, on) - age_on(birth, on) <= 1


@given(thai_dates.filter(lambda d: not d.lifelong), st.integers(0, 60_000), st.integers(0, 4000))
def test_age_never_decreases(birth: ThaiDate, days: int, later_days: int) -> None:
    on = _day_after(birth, days)
    later = on + timedelta(days=later_days)
    assert age_on(birth, later) >= age_on(birth, on)


# --- expiry --------------------------------------------------------------------------------
def test_card_is_valid_through_its_expiry_day() -> None:
    expiry = ThaiDate.parse_be("25700311")
    assert not is_expired(expiry, date(2027, 3, 11))
    assert is_expired(expiry, date(2027, 3, 12))


def test_lifelong_never_expires() -> None:
    assert not is_expired(LIFELONG, date(2999, 12, 31))


def test_partial_expiry_counts_from_its_first_day() -> None:
    assert not is_expired(ThaiDate(2570), date(2027, 1, 1))
    assert is_expired(ThaiDate(2570), date(2027, 1, 2))
    assert is_expired(ThaiDate(2570, 3), date(2027, 3, 2))
