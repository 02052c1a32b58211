"""Error numbers -> typed exceptions -> citizen text; backoff and Retry-After arithmetic."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from kiosk.linkage import errors as E
from kiosk.linkage.messages import MESSAGES, message_text
from kiosk.linkage.retry import RetryPolicy, parse_retry_after

LINKAGE_NUMBERS = [90001, 90005, 90008, 90009, 90012, 90016, 90090, 90500, 95002, 95004,
                   95010, 95011, 95012, 95014, 95015, 99992, 99994]


@pytest.mark.parametrize("number", LINKAGE_NUMBERS)
def test_every_linkage_number_has_its_own_typed_exception(number: int) -> None:
    err = E.error_for(number, "x", request_id="r-1", status_code=403)
    assert type(err) is E.ERROR_CLASSES[number]
    assert type(err) is not E.LinkageError
    assert err.error_number == number and err.request_id == "r-1"
    assert err.message_key in MESSAGES
    assert number in E.ERROR_DESCRIPTIONS


def test_each_class_maps_to_one_number() -> None:
    classes = list(E.ERROR_CLASSES.values())
    assert len(classes) == len(set(classes))


def test_every_message_key_has_thai_and_english() -> None:
    keys = {cls.message_key for cls in E.ERROR_CLASSES.values()}
    keys |= {E.ProtocolError.message_key, E.Unavailable.message_key,
             E.LinkageTimeout.message_key, E.TlsRefused.message_key,
             E.ProviderError.message_key}
    for key in keys:
        th, en = MESSAGES[key]["th"], MESSAGES[key]["en"]
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in th), key
        assert en.isascii() or "–" in en, key
    assert "08:30–16:30" in message_text("linkage.outside_hours", "en")
    assert "08:30–16:30" in message_text("linkage.outside_hours", "th")
    assert message_text("no.such.key", "en") == MESSAGES["linkage.protocol_error"]["en"]


def test_provider_http_status_and_unknown_numbers() -> None:
    err = E.error_for(404, "agency said 404")
    assert isinstance(err, E.ProviderError) and err.message_key == "linkage.provider_error"
    unknown = E.error_for(97777, "new code")
    assert type(unknown) is E.LinkageError and unknown.error_number == 97777
    assert unknown.message_key == "linkage.protocol_error"


def test_full_jitter_stays_under_the_capped_exponential() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=4.0)
    rng = random.Random(7).random
    for n in range(10):
        ceiling = min(4.0, 0.5 * 2**n)
        samples = [policy.backoff(n, rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # spread over the whole range, not a constant
    assert policy.backoff(3, lambda: 1.0) == 4.0
    assert policy.delay(0, 7.0, lambda: 0.0) == 7.0  # Retry-After wins


def test_retry_after_forms() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
