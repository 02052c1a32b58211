"""What each service result says: a next step in words, "partial" only for a real failure.

Over the real reference server (mutual TLS), seed citizens with every card state. The
texts behind the result's message keys must exist in both catalogues of the UI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.session.ports import ConsentRecord, ServiceRequest
from kiosk.ui.i18n import LOCALE_DIR, parse_po
from simulators.seeds import load_seeds

from .stack import Stack, real_stack

CATALOGUES = {lang: parse_po((LOCALE_DIR / lang / "LC_MESSAGES" / "kiosk.po").read_text("utf-8"))
              for lang in ("th", "en")}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with real_stack(tmp_path / "kiosk") as s:
        yield s


def _request(index: int, service: str, language: str = "th") -> ServiceRequest:
    identity = load_seeds().citizens[index].identity()
    consent = ConsentRecord("words", dt.datetime.now(dt.UTC), (service,), (32, 144),
                            identity.citizen_id.masked())
    return ServiceRequest("words", service, identity.citizen_id.digits, identity, consent,
                          language, True)  # type: ignore[arg-type]


def _first_with(state: str) -> int:
    today = load_seeds().reference_date
    for c in load_seeds().citizens:
        expired = c.identity().is_expired(today)
        if state == "expired" and expired:
            return c.index
        if not expired and c.status["card_state"] == state:
            return c.index
    raise AssertionError(f"no seed citizen with a {state} card")


def _says(key: str | None) -> None:
    assert key is not None
    for lang, catalogue in CATALOGUES.items():
        assert catalogue.get(key, "").strip(), f"{key} has no {lang} text"


@pytest.mark.parametrize("state", ["revoked", "replaced", "expired"])
def test_a_non_active_card_is_an_answer_with_a_next_step(stack: Stack, state: str) -> None:
    outcome = stack.kiosk.services.card_status(_request(_first_with(state), "card_status"))
    result = outcome.result
    assert result.status == "ok"  # the query worked: nothing is "partial" about it
    assert result.message_key == f"card_state.{state}"
    _says(result.message_key)
    assert "สำนักทะเบียน" in CATALOGUES["th"][result.message_key]


def test_an_active_card_needs_no_message(stack: Stack) -> None:
    outcome = stack.kiosk.services.card_status(_request(_first_with("active"), "card_status"))
    assert (outcome.result.status, outcome.result.message_key) == ("ok", None)


def test_welfare_states_are_words_not_codes(stack: Stack) -> None:
    seeds = load_seeds()
    index = next(c.index for c in seeds.citizens if c.welfare)
    for language in ("th", "en"):
        outcome = stack.kiosk.services.welfare_rights(_request(index, "welfare_rights",
                                                               language))
        values = " ".join(r.value for r in outcome.result.rows)
        assert "active" not in values and "terminated" not in values, values
        if outcome.result.status == "partial":
            _says(outcome.result.message_key)


def test_the_counter_ticket_says_to_wait_for_the_call(stack: Stack) -> None:
    result = stack.kiosk.services.counter_ticket(_request(0, "counter_ticket")).result
    assert result.reference and result.message_key == "ticket.wait"
    _says("ticket.wait")
    _says("ticket.number")


def test_every_partial_result_names_what_failed() -> None:
    for part in ("house", "welfare", "health"):
        _says(f"result.partial.{part}")
